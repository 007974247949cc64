#include "kernels/cpu/avx2/conv_tiles.h"

#include <immintrin.h>

namespace revive::kernels::cpu::avx2 {

void single_channel_tap_sums(float* sums, const float* img, int64_t cols, const float* dy, int64_t dy_pixel, int64_t P,
                             int64_t Q, int64_t stride_h, int64_t stride_w) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0;
  for (int64_t i = 0; i < P; ++i) {
    const float* row = img + i * stride_h * cols;
    for (int64_t j = 0; j < Q; ++j) {
      const __m256 g = _mm256_loadu_ps(dy + (i * Q + j) * dy_pixel);
      const float* c = row + j * stride_w;
      a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(c), g, a0);
      a1 = _mm256_fmadd_ps(_mm256_broadcast_ss(c + 1), g, a1);
      a2 = _mm256_fmadd_ps(_mm256_broadcast_ss(c + 2), g, a2);
      a3 = _mm256_fmadd_ps(_mm256_broadcast_ss(c + cols), g, a3);
      a4 = _mm256_fmadd_ps(_mm256_broadcast_ss(c + cols + 1), g, a4);
      a5 = _mm256_fmadd_ps(_mm256_broadcast_ss(c + cols + 2), g, a5);
      a6 = _mm256_fmadd_ps(_mm256_broadcast_ss(c + 2 * cols), g, a6);
      a7 = _mm256_fmadd_ps(_mm256_broadcast_ss(c + 2 * cols + 1), g, a7);
      a8 = _mm256_fmadd_ps(_mm256_broadcast_ss(c + 2 * cols + 2), g, a8);
    }
  }
  // Stored one by one: copying them into an array first made GCC keep them in memory throughout.
  _mm256_storeu_ps(sums, a0);
  _mm256_storeu_ps(sums + 8, a1);
  _mm256_storeu_ps(sums + 16, a2);
  _mm256_storeu_ps(sums + 24, a3);
  _mm256_storeu_ps(sums + 32, a4);
  _mm256_storeu_ps(sums + 40, a5);
  _mm256_storeu_ps(sums + 48, a6);
  _mm256_storeu_ps(sums + 56, a7);
  _mm256_storeu_ps(sums + 64, a8);
}

}  // namespace revive::kernels::cpu::avx2
