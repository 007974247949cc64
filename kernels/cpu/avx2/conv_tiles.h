// The innermost loop of a CPU convolution weight gradient that oneDNN 2.6 computes slowly
// (kernels/cpu/conv2d_single_channel.h), in AVX2 + FMA intrinsics (built and called as
// cpu_features.h says).
#pragma once

#include <cstdint>

namespace revive::kernels::cpu::avx2 {

// sums[t * 8 + k] = sum over the P x Q output pixels of img[tap t of the pixel's 3x3 window]
// dy[pixel, k] for the 8 channels of one block of dy (P Q x 8); img is one input image with its
// zero padding written out, `cols` values a row, window corners stride_h rows / stride_w columns
// apart.
void single_channel_tap_sums(float* sums, const float* img, int64_t cols, const float* dy, int64_t P, int64_t Q,
                             int64_t stride_h, int64_t stride_w);

}  // namespace revive::kernels::cpu::avx2
