// The option-A shortcut of the CIFAR ResNets (He et al. 2016, and PyTorch ports'
// `F.pad(x[:, :, ::s, ::s], (0, 0, 0, 0, front, back))`): x [N, C, H, W] ->
// y [N, front + C + back, ceil(H/s), ceil(W/s)],
//   y[n, front + c, p, q] = x[n, c, p s, q s], zero in the padding channels.
// Backward (`=`): dx[n, c, p s, q s] = dy[n, front + c, p, q], zero at the pixels the stride skips.
//
// Versions:
//  - subsample_pad_channels_*_cpu<T>: plain NCHW buffers, float or double.
//  - subsample_pad_channels_*_cpu (Tensor): the same loops on plain or blocked tensors; y and dx
//    have x's layout (dy is converted to it when it differs).
//  - subsample_pad_channels_*_cuda: one grid-stride gather kernel per direction, a thread per
//    output element (kernels/cuda/subsample_pad_channels.cu).
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "core/tensor.h"

namespace revive::kernels {

struct SubsamplePad {
  int stride = 2;
  int pad_front = 0;
  int pad_back = 0;
};

// The subsampled extent: ceil(extent / stride).
REVIVE_HD int64_t subsampled(int64_t extent, int stride) { return (extent + stride - 1) / stride; }

template <class T>
void subsample_pad_channels_forward_cpu(T* y, const T* x, int64_t N, int64_t C, int64_t H, int64_t W,
                                        const SubsamplePad& p);
template <class T>
void subsample_pad_channels_backward_cpu(T* dx, const T* dy, int64_t N, int64_t C, int64_t H, int64_t W,
                                         const SubsamplePad& p);

Tensor subsample_pad_channels_forward(const Tensor& x, const SubsamplePad& p);
Tensor subsample_pad_channels_backward(const Tensor& dy, const Shape& x_shape, Layout x_layout, const SubsamplePad& p);

// Backends, called by the entry points after validation (y_shape: the output's shape).
Tensor subsample_pad_channels_forward_cpu(const Tensor& x, const Shape& y_shape, const SubsamplePad& p);
Tensor subsample_pad_channels_backward_cpu(const Tensor& dy, const Shape& x_shape, Layout x_layout,
                                           const SubsamplePad& p);
Tensor subsample_pad_channels_forward_cuda(const Tensor& x, const Shape& y_shape, const SubsamplePad& p);
Tensor subsample_pad_channels_backward_cuda(const Tensor& dy, const Shape& x_shape, Layout x_layout,
                                            const SubsamplePad& p);

}  // namespace revive::kernels
