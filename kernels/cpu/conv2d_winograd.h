// 3x3 stride-1 pad-1 convolutions by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2016):
// each 4x4 input tile and 3x3 filter are transformed (B^T d B, G g G^T), multiplied elementwise,
// summed over input channels as 16 small matrix products, and transformed back (A^T m A) into a
// 2x2 output tile: 16 multiplications per 4 outputs instead of 36.
//
// Three builds of the tiles, each ISA in its own folder built with its own flags and called after a
// CPU check: F(2x2, 3x3) in AVX2 (avx2/winograd_tiles.h, 8 channels a vector, on nChw8c
// activations) and AVX-512 (avx512/winograd_tiles.h, 16 channels a vector, on nChw16c), and
// F(4x4, 3x3) in AVX-512 (avx512/winograd_f4_tiles.h: 6x6 tiles, fewer products and a smaller
// transformed image). Whether they beat oneDNN on a layer depends
// on the host and the shape (benchmarks/RESULTS.md, "Winograd tiles"): they are candidates of the
// measured route choice (conv_route_table.h), not a fixed rule.
//
// The transforms change the rounding, not the result: F(2x2, 3x3)'s outputs differ from a direct
// convolution's by a few 1e-7 of their magnitude, F(4x4, 3x3)'s by a few 1e-6 (conv_routes_test
// holds each to its bound against a double reference).
//
// Applies to groups 1, dilation 1, no bias, both activations in the ISA's blocked layout, channel
// counts as winograd_applies says, and images whose transformed tiles fit a 16 MiB buffer per
// thread, on a CPU with the ISA.
#pragma once

#include "kernels/conv2d.h"
#include "kernels/cpu/conv_routes.h"

namespace revive::kernels::cpu {

enum class WinogradTiles : uint8_t { kF2Avx2, kF2Avx512, kF4Avx512 };

// The activation layout the tiles read and write.
Layout winograd_layout(WinogradTiles kind);

// Whether the tiles run `pass` of this convolution (in, out: the pass's input and output layouts,
// as in conv_route_key).
bool winograd_applies(WinogradTiles kind, ConvPass pass, const Conv2dShape& s, const Conv2dParams& p, Layout in,
                      Layout out, bool bias);

// y [N, K, H, W] = conv(x, w), x [N, C, H, W], w [K, C, 3, 3] plain; output in the ISA's layout.
Tensor winograd_forward(WinogradTiles kind, const Tensor& x, const Tensor& w);
// dx [N, C, H, W] = conv^T(dy, w), dy [N, K, H, W]: the forward with w transposed and its taps
// reversed.
Tensor winograd_backward_data(WinogradTiles kind, const Tensor& dy, const Tensor& w);
// dw [K, C, 3, 3] += the weight gradient: G^T (sum over tiles of (B^T d B) (A dy A^T)) G.
// Images are split statically over the threads and the partial sums added in thread order, so
// the result depends on the thread count only.
void winograd_backward_weights(WinogradTiles kind, Tensor& dw, const Tensor& x, const Tensor& dy);

}  // namespace revive::kernels::cpu
