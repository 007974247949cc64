// The AVX-512 part of the Winograd F(2x2, 3x3) convolution (kernels/cpu/conv2d_winograd.h): the
// AVX2 tiles' algorithm (avx2/winograd_tiles.h) with 16 channels to a vector, on the 16-channel
// blocked layout oneDNN's AVX-512 kernels use; one image at a time, on raw pointers (built and
// called as cpu_features.h says).
#pragma once

#include <cstdint>

namespace revive::kernels::cpu::avx512 {

// Floats of the per-image scratch winograd_image and winograd_weight_grad_image need: 16 T C for
// the transformed input and 16 T K for the transformed output (or output gradient),
// T = ceil(H/2) ceil(W/2) tiles, and a strip's work space.
int64_t winograd_scratch_floats(int64_t C, int64_t K, int64_t H, int64_t W);

// y = conv(x, w, stride 1, pad 1) for one image: x [C/16][H][W][16] and y [K/16][H][W][16] (the
// 16-channel blocked layout), C % 16 == 0, K % 16 == 0. U holds the transformed weights as
// conv2d_winograd.cpp lays them out: [K/16][16 positions][C][16].
void winograd_image(const float* x, const float* U, float* y, int64_t C, int64_t K, int64_t H, int64_t W,
                    float* scratch);

// dU [16][C][K] += the gradient of the transformed weights of y = conv(x, w) for one image, given
// dy, the gradient of y (layouts and channel counts as for winograd_image): the sum over the tiles
// of (B^T d B)[c] (A dy A^T)[k] at each of the 16 positions.
void winograd_weight_grad_image(const float* x, const float* dy, float* dU, int64_t C, int64_t K, int64_t H, int64_t W,
                                float* scratch);

}  // namespace revive::kernels::cpu::avx512
