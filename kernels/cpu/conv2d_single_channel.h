// The weight gradient of a network's first convolution on one-channel images (Fashion-MNIST):
// loops of its own instead of oneDNN's. oneDNN 2.6 has no good AVX2 kernel for one input channel:
// this gradient ran at a small fraction of the other layers' FLOP rate in a ResNet-20 step, while
// the forward pass of the same layer was cheap enough to leave to oneDNN (benchmarks/RESULTS.md,
// "One-channel weight gradient"). With one channel, each output pixel adds one input value times
// a vector of 8 filters' gradients to each of the 3x3 taps: nine AVX2 accumulators per channel
// block. On AVX-512 hosts oneDNN's own kernel may be the faster: the route is measured
// (conv_route_table.h).
//
// Applies to x plain [N, 1, H, W], dw [K, 1, 3, 3] with K a multiple of dy's block, groups 1,
// dilation 1, no bias, dy in a blocked layout (nChw8c or nChw16c), on a CPU with AVX2 and FMA.
#pragma once

#include "kernels/conv2d.h"

namespace revive::kernels::cpu {

bool single_channel_conv_applies(const Conv2dShape& s, const Conv2dParams& p, Layout x_layout, Layout dy_layout,
                                 bool bias);

// dw += corr(x, dy). Sums per image in float, over images in double, and over threads in thread
// order: the result depends on the thread count only.
void single_channel_conv_backward_weights(Tensor& dw, const Tensor& x, const Tensor& dy, const Conv2dShape& s,
                                          const Conv2dParams& p);

}  // namespace revive::kernels::cpu
