// Rectifiers, element-wise over any shape and layout (padding channels stay zero, as f(0) = 0):
//   relu:  y = max(x, 0),          dx = dy [y > 0]
//   relu6: y = min(max(x, 0), 6),  dx = dy [0 < y < 6]
// All outputs `=`. The backward reads y, not x: the two masks agree, and y is what the autograd
// node keeps alive anyway. NaN propagates as in PyTorch.
//
// Versions:
//  - relu*_cpu<T> (raw buffers, float or double), run by the CPU backend over the physical buffer
//    of plain or blocked tensors.
//  - relu*_cuda: one grid-stride kernel per direction (kernels/cuda/relu.cu), templated on the
//    rectifier; relu_value, relu_grad, ... below are the per-element math both backends share.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "core/tensor.h"

namespace revive::kernels {

template <class T>
REVIVE_HD T relu_value(T x) {
  return x < T(0) ? T(0) : x;
}
template <class T>
REVIVE_HD T relu6_value(T x) {
  return x < T(0) ? T(0) : (x > T(6) ? T(6) : x);
}
template <class T>
REVIVE_HD T relu_grad(T dy, T y) {
  return y > T(0) ? dy : T(0);
}
template <class T>
REVIVE_HD T relu6_grad(T dy, T y) {
  return y > T(0) && y < T(6) ? dy : T(0);
}

template <class T>
void relu_forward_cpu(T* y, const T* x, int64_t n);
template <class T>
void relu_backward_cpu(T* dx, const T* dy, const T* y, int64_t n);
template <class T>
void relu6_forward_cpu(T* y, const T* x, int64_t n);
template <class T>
void relu6_backward_cpu(T* dx, const T* dy, const T* y, int64_t n);

// Outputs keep the input's shape and layout; dy is taken in y's layout.
Tensor relu_forward(const Tensor& x);
Tensor relu_backward(const Tensor& dy, const Tensor& y);
Tensor relu6_forward(const Tensor& x);
Tensor relu6_backward(const Tensor& dy, const Tensor& y);

// Backends, called by the entry points after validation.
enum class Rectifier { kRelu, kRelu6 };
Tensor rectifier_forward_cpu(const Tensor& x, Rectifier r);
Tensor rectifier_backward_cpu(const Tensor& dy, const Tensor& y, Rectifier r);
Tensor rectifier_forward_cuda(const Tensor& x, Rectifier r);
Tensor rectifier_backward_cuda(const Tensor& dy, const Tensor& y, Rectifier r);

}  // namespace revive::kernels
