// ShuffleNet channel shuffle: x [N, g c, ...] viewed [N, g, c, ...] and transposed to [N, c, g, ...]:
//   y[n, j g + i] = x[n, i c + j],  i < g groups, j < c channels per group.
// The backward (`=`) is the inverse permutation, which is the shuffle with c groups.
//
// Versions:
//  - channel_shuffle_cpu<T>: plain buffers (`inner` = product of the trailing dimensions), float
//    or double; serves both directions.
//  - channel_shuffle_cpu (Tensor): blocked inputs are converted to plain first; y is plain.
//  - channel_shuffle_cuda: one grid-stride kernel, each thread moving one element to the channel
//    channel_shuffle_target gives (shared with the CPU loop).
//  The entry points serve both directions with these (the backward returns dx in x's layout).
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "core/tensor.h"

namespace revive::kernels {

// Where source channel c goes: c = i per_group + j -> j groups + i.
REVIVE_HD int64_t channel_shuffle_target(int64_t c, int64_t groups, int64_t per_group) {
  return (c % per_group) * groups + c / per_group;
}

template <class T>
void channel_shuffle_cpu(T* y, const T* x, int64_t N, int64_t C, int64_t inner, int64_t groups);

Tensor channel_shuffle_forward(const Tensor& x, int groups);
Tensor channel_shuffle_backward(const Tensor& dy, int groups, Layout x_layout);

// Backends, called by the entry points after validation: the shuffle of x with `groups` groups.
Tensor channel_shuffle_cpu(const Tensor& x, int64_t groups);
Tensor channel_shuffle_cuda(const Tensor& x, int64_t groups);

}  // namespace revive::kernels
