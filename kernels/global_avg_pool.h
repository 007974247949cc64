// Global average pooling: y[n, c] = mean over (h, w) of x[n, c, h, w]; x [N, C, H, W] -> y [N, C].
// Backward (`=`): dx[n, c, h, w] = dy[n, c] / (H W).
//
// Versions:
//  - global_avg_pool_*_cpu<T>: plain NCHW buffers, float or double; gradient checks run them in double.
//  - global_avg_pool_*_cpu (Tensor): the same template body on plain or blocked x (vectorised
//    over a channel block); y is always plain [N, C], dx has x's layout with zero padding channels.
//  - global_avg_pool_*_cuda: forward one warp per (n, c) plane (a shuffle reduction, so the sum
//    order differs from the CPU's serial one: tolerances of a reduction), backward one grid-stride
//    kernel (kernels/cuda/global_avg_pool.cu).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace revive::kernels {

template <class T>
void global_avg_pool_forward_cpu(T* y, const T* x, int64_t N, int64_t C, int64_t HW);
template <class T>
void global_avg_pool_backward_cpu(T* dx, const T* dy, int64_t N, int64_t C, int64_t HW);

Tensor global_avg_pool_forward(const Tensor& x);
Tensor global_avg_pool_backward(const Tensor& dy, const Shape& x_shape, Layout x_layout);

// Backends, called by the entry points after validation.
Tensor global_avg_pool_forward_cpu(const Tensor& x);
Tensor global_avg_pool_backward_cpu(const Tensor& dy, const Shape& x_shape, Layout x_layout);
Tensor global_avg_pool_forward_cuda(const Tensor& x);
Tensor global_avg_pool_backward_cuda(const Tensor& dy, const Shape& x_shape, Layout x_layout);

}  // namespace revive::kernels
