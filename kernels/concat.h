// Concatenation along channels: xs_i [N, C_i, ...] (equal N and trailing dimensions) ->
// y [N, sum C_i, ...]. Backward (`=`): dx_i = dy[:, c_i : c_i + C_i], c_i = C_0 + ... + C_{i-1}.
//
// Versions:
//  - concat_*_cpu<T>: plain buffers, one input at a time: copy x into, or dx out of, the channel
//    range [c_begin, c_begin + C_x) of a tensor with C_y channels; `inner` is the product of the
//    trailing dimensions. Float or double; gradient checks run them in double.
//  - Tensor entry points: blocked inputs are converted to plain first; y is plain, each dx is
//    returned in its input's layout.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace revive::kernels {

template <class T>
void concat_forward_cpu(T* y, const T* x, int64_t N, int64_t C_y, int64_t c_begin, int64_t C_x, int64_t inner);
template <class T>
void concat_backward_cpu(T* dx, const T* dy, int64_t N, int64_t C_y, int64_t c_begin, int64_t C_x, int64_t inner);

Tensor concat_forward(const std::vector<Tensor>& xs);
// The gradient of the input that held channels [c_begin, c_begin + x_shape[1]) of y, in x_layout.
Tensor concat_backward(const Tensor& dy, int64_t c_begin, const Shape& x_shape, Layout x_layout);

}  // namespace revive::kernels
