// Element-wise sum of two tensors of one shape: y = a + b (`=`), or relu(a + b) with the rectifier
// fused (a residual block's end: one pass over the activations instead of two). The backward is
// the identity for both inputs (nn/functional/add.cpp returns dy in each input's layout), after
// the rectifier's mask when fused.
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
void add_forward_cpu(T* y, const T* a, const T* b, int64_t n, bool relu = false);

// y has a's layout; b is converted to it when the layouts differ. a and b on one device.
Tensor add_forward(const Tensor& a, const Tensor& b, bool relu = false);

// Backends, called by the entry point after validation.
Tensor add_forward_cpu(const Tensor& a, const Tensor& b, bool relu);
Tensor add_forward_cuda(const Tensor& a, const Tensor& b, bool relu);

}  // namespace revive::kernels
