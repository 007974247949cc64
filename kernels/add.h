// Element-wise sum of two tensors of one shape: y = a + b (`=`). The backward is the identity for
// both inputs (nn/functional/add.cpp returns dy in each input's layout).
//
// Versions: add_forward_cpu<T> (raw buffers, float or double) is also what the Tensor entry point
// runs, over the physical buffer; padding channels stay zero (0 + 0).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace revive::kernels {

template <class T>
void add_forward_cpu(T* y, const T* a, const T* b, int64_t n);

// y has a's layout; b is converted to it when the layouts differ.
Tensor add_forward(const Tensor& a, const Tensor& b);

}  // namespace revive::kernels
