// The AVX-512 tiles of Winograd's F(4x4, 3x3) (Lavin & Gray 2016), 16 channels to a vector on the
// 16-channel blocked layout: each 6x6 input tile and 3x3 filter are transformed (B^T d B,
// G g G^T), multiplied elementwise at 36 positions summed over the input channels, and
// transformed back (A^T m A) into a 4x4 output tile: 36 multiplications per 16 outputs, where
// F(2x2, 3x3) (winograd_tiles.h) takes 64 and a direct convolution 144, and a transformed image
// 2.25 times the input's size instead of 4 times. The price is rounding: the transforms scale by
// up to 8 before the products and divide after, so outputs differ from a direct convolution's by
// about 1e-6 of their magnitude instead of 1e-7. One image at a time, on raw pointers (built and
// called as cpu_features.h says).
#pragma once

#include <cstdint>

namespace revive::kernels::cpu::avx512 {

// Floats of the per-image scratch winograd_f4_image and winograd_f4_weight_grad_image need: 36 T C
// for the transformed input, 36 T K for the products (or the transformed output gradient),
// T = ceil(H/4) ceil(W/4) tiles, and a strip's work space.
int64_t winograd_f4_scratch_floats(int64_t C, int64_t K, int64_t H, int64_t W);

// y = conv(x, w, stride 1, pad 1) for one image: x [C/16][H][W][16] and y [K/16][H][W][16],
// C % 16 == 0, K % 16 == 0. U holds the transformed weights as conv2d_winograd.cpp lays them
// out: [K/16][36 positions][C][16].
void winograd_f4_image(const float* x, const float* U, float* y, int64_t C, int64_t K, int64_t H, int64_t W,
                       float* scratch);

// dU [36][C][K] += the gradient of the transformed weights of y = conv(x, w) for one image, given
// dy, the gradient of y (layouts and channel counts as for winograd_f4_image): the sum over the
// tiles of (B^T d B)[c] (A dy A^T)[k] at each of the 36 positions.
void winograd_f4_weight_grad_image(const float* x, const float* dy, float* dU, int64_t C, int64_t K, int64_t H,
                                   int64_t W, float* scratch);

}  // namespace revive::kernels::cpu::avx512
