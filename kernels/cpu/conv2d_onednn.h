// The CPU convolution routes that run on oneDNN (conv_routes.h): its direct kernels and, where
// this oneDNN has them for the host (AVX-512 builds), its Winograd kernels, for the three passes;
// and the forward pass of a 3x3 equal-width stride-1 layer through the backward-data kernel.
// Arguments as kernels/conv2d.h's backends take them (validated by the entry points).
#pragma once

#include "kernels/conv2d.h"
#include "kernels/cpu/conv_routes.h"

namespace revive::kernels::cpu {

enum class OneDnnAlgorithm : uint8_t { kDirect, kWinograd };

Tensor onednn_conv_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p,
                           Layout y_layout, OneDnnAlgorithm alg);
Tensor onednn_conv_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape, Layout x_layout,
                                 const Conv2dParams& p, OneDnnAlgorithm alg);
// dw += ..., dbias += ... (dbias may be null).
void onednn_conv_backward_weights(Tensor& dw, Tensor* dbias, const Tensor& x, const Tensor& dy, const Conv2dParams& p,
                                  OneDnnAlgorithm alg);

// Whether this oneDNN has a Winograd kernel for the pass (it builds, and keeps, the primitive to
// find out). s.N > 0.
bool onednn_winograd_applies(ConvPass pass, const Conv2dShape& s, const Conv2dParams& p, Layout in, Layout out,
                             bool bias);

// The forward pass as the backward-data pass of the transposed, flipped filters: for 3x3
// equal-width stride-1 layers without bias.
bool forward_as_backward_data_applies(const Conv2dShape& s, const Conv2dParams& p, bool bias);
Tensor onednn_forward_as_backward_data(const Tensor& x, const Tensor& w, const Conv2dParams& p, Layout y_layout);

}  // namespace revive::kernels::cpu
