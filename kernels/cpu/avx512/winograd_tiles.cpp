#include "kernels/cpu/avx512/winograd_tiles.h"

#include <immintrin.h>

#include "kernels/cpu/avx512/winograd_image.h"

namespace revive::kernels::cpu::avx512 {
namespace {

// B^T d B for the tiles of one strip of one 16-channel block; avx2/winograd_tiles.cpp's
// input_strip with 16 channels a vector (the same column-at-a-time order).
void input_strip(const float* const rows[4], int64_t W, int64_t TW, float* cols, float* v, int64_t C, int64_t TC) {
  for (int64_t k = 0; k < 2 * TW + 2; ++k) {
    const int64_t c = k - 1;
    __m512 d0 = _mm512_setzero_ps(), d1 = d0, d2 = d0, d3 = d0;
    if (c >= 0 && c < W) {
      d0 = _mm512_loadu_ps(rows[0] + c * kBlock);
      d1 = _mm512_loadu_ps(rows[1] + c * kBlock);
      d2 = _mm512_loadu_ps(rows[2] + c * kBlock);
      d3 = _mm512_loadu_ps(rows[3] + c * kBlock);
    }
    float* e = cols + k * 4 * kBlock;
    _mm512_storeu_ps(e, _mm512_sub_ps(d0, d2));
    _mm512_storeu_ps(e + kBlock, _mm512_add_ps(d1, d2));
    _mm512_storeu_ps(e + 2 * kBlock, _mm512_sub_ps(d2, d1));
    _mm512_storeu_ps(e + 3 * kBlock, _mm512_sub_ps(d1, d3));
  }
  for (int64_t j = 0; j < TW; ++j) {
    const float* e = cols + 2 * j * 4 * kBlock;
    float* vj = v + j * C;
    for (int r = 0; r < 4; ++r) {
      const __m512 e0 = _mm512_loadu_ps(e + r * kBlock), e1 = _mm512_loadu_ps(e + (4 + r) * kBlock);
      const __m512 e2 = _mm512_loadu_ps(e + (8 + r) * kBlock), e3 = _mm512_loadu_ps(e + (12 + r) * kBlock);
      _mm512_storeu_ps(vj + (r * 4 + 0) * TC, _mm512_sub_ps(e0, e2));
      _mm512_storeu_ps(vj + (r * 4 + 1) * TC, _mm512_add_ps(e1, e2));
      _mm512_storeu_ps(vj + (r * 4 + 2) * TC, _mm512_sub_ps(e2, e1));
      _mm512_storeu_ps(vj + (r * 4 + 3) * TC, _mm512_sub_ps(e1, e3));
    }
  }
}

// A^T m A of tile t for one 16-channel block, written to the 2x2 outputs at (r0, c0) that lie
// inside the H x W image. A^T = [1 1 1 0; 0 1 -1 -1].
void output_tile(const float* m, int64_t TK, float* y, int64_t H, int64_t W, int64_t r0, int64_t c0) {
  __m512 e[2][4];
  for (int s = 0; s < 4; ++s) {
    const __m512 m0 = _mm512_loadu_ps(m + (0 * 4 + s) * TK), m1 = _mm512_loadu_ps(m + (1 * 4 + s) * TK);
    const __m512 m2 = _mm512_loadu_ps(m + (2 * 4 + s) * TK), m3 = _mm512_loadu_ps(m + (3 * 4 + s) * TK);
    e[0][s] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
    e[1][s] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
  }
  for (int r = 0; r < 2 && r0 + r < H; ++r) {
    float* row = y + ((r0 + r) * W + c0) * kBlock;
    _mm512_storeu_ps(row, _mm512_add_ps(_mm512_add_ps(e[r][0], e[r][1]), e[r][2]));
    if (c0 + 1 < W) _mm512_storeu_ps(row + kBlock, _mm512_sub_ps(_mm512_sub_ps(e[r][1], e[r][2]), e[r][3]));
  }
}

// A dy A^T of the 2x2 output-gradient tile at (r0, c0) of one 16-channel block (outputs outside
// the image count as zero), stored as position xi of the tile in D (16 channels at d + xi TK).
void output_grad_tile(const float* dy, int64_t H, int64_t W, int64_t r0, int64_t c0, float* d, int64_t TK) {
  __m512 g[2][2];
  for (int r = 0; r < 2; ++r)
    for (int s = 0; s < 2; ++s)
      g[r][s] = r0 + r < H && c0 + s < W ? _mm512_loadu_ps(dy + ((r0 + r) * W + c0 + s) * kBlock) : _mm512_setzero_ps();
  const __m512 zero = _mm512_setzero_ps();
  __m512 e[4][2];  // A g: rows g0, g0 + g1, g0 - g1, -g1
  for (int s = 0; s < 2; ++s) {
    e[0][s] = g[0][s];
    e[1][s] = _mm512_add_ps(g[0][s], g[1][s]);
    e[2][s] = _mm512_sub_ps(g[0][s], g[1][s]);
    e[3][s] = _mm512_sub_ps(zero, g[1][s]);
  }
  for (int r = 0; r < 4; ++r) {
    _mm512_storeu_ps(d + (r * 4 + 0) * TK, e[r][0]);
    _mm512_storeu_ps(d + (r * 4 + 1) * TK, _mm512_add_ps(e[r][0], e[r][1]));
    _mm512_storeu_ps(d + (r * 4 + 2) * TK, _mm512_sub_ps(e[r][0], e[r][1]));
    _mm512_storeu_ps(d + (r * 4 + 3) * TK, _mm512_sub_ps(zero, e[r][1]));
  }
}


// The transforms WinogradImage (winograd_image.h) drives.
struct F2 {
  static constexpr int64_t kOut = 2;
  static constexpr auto strip = input_strip;
  static constexpr auto output = output_tile;
  static constexpr auto output_grad = output_grad_tile;
};

}  // namespace

int64_t winograd_scratch_floats(int64_t C, int64_t K, int64_t H, int64_t W) {
  return WinogradImage<F2>::scratch_floats(C, K, H, W);
}

void winograd_image(const float* x, const float* U, float* y, int64_t C, int64_t K, int64_t H, int64_t W,
                    float* scratch) {
  WinogradImage<F2>::image(x, U, y, C, K, H, W, scratch);
}

void winograd_weight_grad_image(const float* x, const float* dy, float* dU, int64_t C, int64_t K, int64_t H,
                                 int64_t W, float* scratch) {
  WinogradImage<F2>::weight_grad_image(x, dy, dU, C, K, H, W, scratch);
}

}  // namespace revive::kernels::cpu::avx512
