// The innermost loop of a CPU convolution weight gradient that oneDNN 2.6 computes slowly
// (kernels/cpu/conv2d_single_channel.h), in AVX2 + FMA intrinsics.
//
// conv_tiles.cpp is the one file built with -mavx2 -mfma (CMakeLists.txt), so the compiler keeps
// the accumulators in registers: with a target("avx2,fma") attribute in a portable file, GCC 12
// stored them to the stack after every FMA. The file holds only such functions, on raw pointers
// and without library templates, so that no AVX2 copy of an inline function shared with portable
// code can reach the link. Callers check cpu_has_avx2_fma() first.
#pragma once

#include <cstdint>

namespace revive::kernels::cpu::avx2 {

// True when this CPU runs AVX2 and FMA (decided in portable code).
bool cpu_has_avx2_fma();

// sums[t * 8 + k] = sum over the P x Q output pixels of img[tap t of the pixel's 3x3 window]
// dy[pixel, k] for the 8 channels of one block of dy (P Q x 8); img is one input image with its
// zero padding written out, `cols` values a row, window corners stride_h rows / stride_w columns
// apart.
void single_channel_tap_sums(float* sums, const float* img, int64_t cols, const float* dy, int64_t P, int64_t Q,
                             int64_t stride_h, int64_t stride_w);

}  // namespace revive::kernels::cpu::avx2
