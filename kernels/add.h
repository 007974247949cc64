// Element-wise sum of two tensors of one shape: y = a + b (`=`). The backward is the identity for
// both inputs (nn/functional/add.cpp returns dy in each input's layout).
//
// Versions:
//  - add_forward_cpu<T> (raw buffers, float or double), run by the CPU backend over the physical
//    buffer; padding channels stay zero (0 + 0).
//  - add_forward_cuda: one grid-stride kernel (kernels/cuda/add.cu), which also serves the
//    gradient accumulation dst += src that autograd registers for CUDA tensors.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "core/tensor.h"

namespace revive::kernels {

template <class T>
REVIVE_HD T add_value(T a, T b) {
  return a + b;
}

template <class T>
void add_forward_cpu(T* y, const T* a, const T* b, int64_t n);

// y has a's layout; b is converted to it when the layouts differ. a and b on one device.
Tensor add_forward(const Tensor& a, const Tensor& b);

// Backends, called by the entry point after validation.
Tensor add_forward_cpu(const Tensor& a, const Tensor& b);
Tensor add_forward_cuda(const Tensor& a, const Tensor& b);

}  // namespace revive::kernels
