// The innermost loop of a CPU convolution weight gradient that oneDNN 2.6 computes slowly
// (kernels/cpu/conv2d_single_channel.h), in AVX2 + FMA intrinsics (built and called as
// cpu_features.h says).
#pragma once

#include <cstdint>

namespace revive::kernels::cpu::avx2 {

// sums[t * 8 + k] = sum over the P x Q output pixels of img[tap t of the pixel's 3x3 window]
// dy[pixel, k] for 8 channels of dy (8 consecutive floats a pixel, pixels dy_pixel floats apart:
// 8 in nChw8c, 16 in nChw16c); img is one input image with its zero padding written out, `cols`
// values a row, window corners stride_h rows / stride_w columns apart.
void single_channel_tap_sums(float* sums, const float* img, int64_t cols, const float* dy, int64_t dy_pixel, int64_t P,
                             int64_t Q, int64_t stride_h, int64_t stride_w);

}  // namespace revive::kernels::cpu::avx2
