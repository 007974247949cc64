// ShuffleNet channel shuffle: x [N, g c, ...] viewed [N, g, c, ...] and transposed to [N, c, g, ...]:
//   y[n, j g + i] = x[n, i c + j],  i < g groups, j < c channels per group.
// The backward (`=`) is the inverse permutation, which is the shuffle with c groups.
//
// Versions:
//  - channel_shuffle_cpu<T>: plain buffers (`inner` = product of the trailing dimensions), float
//    or double; serves both directions.
//  - Tensor entry points: blocked inputs are converted to plain first; y is plain, dx has x's layout.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace revive::kernels {

template <class T>
void channel_shuffle_cpu(T* y, const T* x, int64_t N, int64_t C, int64_t inner, int64_t groups);

Tensor channel_shuffle_forward(const Tensor& x, int groups);
Tensor channel_shuffle_backward(const Tensor& dy, int groups, Layout x_layout);

}  // namespace revive::kernels
