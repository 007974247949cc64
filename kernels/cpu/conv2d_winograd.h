// 3x3 stride-1 pad-1 convolutions by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2016):
// each 4x4 input tile and 3x3 filter are transformed (B^T d B, G g G^T), multiplied elementwise,
// summed over input channels as 16 small matrix products, and transformed back (A^T m A) into a
// 2x2 output tile: 16 multiplications per 4 outputs instead of 36. oneDNN 2.6 has Winograd only
// for AVX-512; against its AVX2 direct kernels these tiles are faster on the CIFAR ResNets' body
// layers except the 16-channel forward pass, where the transforms weigh as much as the products
// and the two are even (benchmarks/RESULTS.md, "Winograd tiles").
//
// The transforms change the rounding, not the result: outputs differ from a direct convolution's
// by a few 1e-7 of their magnitude (the tests hold them to 1e-4 of a double reference).
//
// Applies to groups 1, dilation 1, no bias, both activations in the 8-channel blocked layout,
// input channels a multiple of 8 and output channels a multiple of 16, images whose transformed
// tiles fit a 16 MiB buffer per thread, on a CPU with AVX2 and FMA; conv2d_onednn.cpp routes other
// cases to oneDNN.
#pragma once

#include "kernels/conv2d.h"

namespace revive::kernels::cpu {

// Whether conv2d_forward's y = conv(x, w) runs here (x_layout, y_layout: of x and y).
bool winograd_forward_applies(const Conv2dShape& s, const Conv2dParams& p, Layout x_layout, Layout y_layout, bool bias);
// Whether conv2d_backward_data's dx = conv^T(dy, w) runs here.
bool winograd_backward_data_applies(const Conv2dShape& s, const Conv2dParams& p, Layout dy_layout, Layout dx_layout);
// Whether conv2d_backward_weights' dw += corr(x, dy) runs here.
bool winograd_backward_weights_applies(const Conv2dShape& s, const Conv2dParams& p, Layout x_layout, Layout dy_layout,
                                       bool bias);

// y [N, K, H, W] = conv(x, w), x [N, C, H, W], w [K, C, 3, 3] plain; blocked output.
Tensor winograd_forward(const Tensor& x, const Tensor& w);
// dx [N, C, H, W] = conv^T(dy, w), dy [N, K, H, W]: the forward with w transposed and its taps
// reversed; blocked output.
Tensor winograd_backward_data(const Tensor& dy, const Tensor& w);
// dw [K, C, 3, 3] += the weight gradient: G^T (sum over tiles of (B^T d B) (A dy A^T)) G.
// Images are split statically over the threads and the partial sums added in thread order, so
// the result depends on the thread count only.
void winograd_backward_weights(Tensor& dw, const Tensor& x, const Tensor& dy);

}  // namespace revive::kernels::cpu
