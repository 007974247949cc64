// Concatenation along channels: xs_i [N, C_i, ...] (equal N and trailing dimensions) ->
// y [N, sum C_i, ...]. Backward (`=`): dx_i = dy[:, c_i : c_i + C_i], c_i = C_0 + ... + C_{i-1}.
//
// Versions:
//  - concat_*_cpu<T>: plain buffers, one input at a time: copy x into, or dx out of, the channel
//    range [c_begin, c_begin + C_x) of a tensor with C_y channels; `inner` is the product of the
//    trailing dimensions. Float or double; gradient checks run them in double.
//  - concat_*_cpu (Tensor): blocked inputs are converted to plain first; y is plain, each dx is
//    returned in its input's layout.
//  - concat_*_cuda: one grid-stride copy kernel per input (forward) or per gradient (backward),
//    with the channel-range index arithmetic of concat_channel_offset below.
#pragma once

#include <cstdint>
#include <vector>

#include "core/hd.h"
#include "core/tensor.h"

namespace revive::kernels {

// Element i of the [N, C_x, inner] part of a [N, C_y, inner] tensor whose channels start at c_begin:
// its offset in the larger tensor. I: the index type (uint32_t where the CUDA kernel can divide in
// 32 bits, the larger tensor being below 2^31 elements; else int64_t).
template <class I>
REVIVE_HD I concat_channel_offset(I i, I C_y, I c_begin, I C_x, I inner) {
  const I run = C_x * inner, n = i / run;
  return (n * C_y + c_begin) * inner + (i - n * run);
}

template <class T>
void concat_forward_cpu(T* y, const T* x, int64_t N, int64_t C_y, int64_t c_begin, int64_t C_x, int64_t inner);
template <class T>
void concat_backward_cpu(T* dx, const T* dy, int64_t N, int64_t C_y, int64_t c_begin, int64_t C_x, int64_t inner);

Tensor concat_forward(const std::vector<Tensor>& xs);
// The gradient of the input that held channels [c_begin, c_begin + x_shape[1]) of y, in x_layout.
Tensor concat_backward(const Tensor& dy, int64_t c_begin, const Shape& x_shape, Layout x_layout);

// Backends, called by the entry points after validation (y_shape: the concatenation's shape).
Tensor concat_forward_cpu(const std::vector<Tensor>& xs, const Shape& y_shape);
Tensor concat_backward_cpu(const Tensor& dy, int64_t c_begin, const Shape& x_shape, Layout x_layout);
Tensor concat_forward_cuda(const std::vector<Tensor>& xs, const Shape& y_shape);
Tensor concat_backward_cuda(const Tensor& dy, int64_t c_begin, const Shape& x_shape, Layout x_layout);

}  // namespace revive::kernels
