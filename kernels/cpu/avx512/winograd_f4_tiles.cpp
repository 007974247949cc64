#include "kernels/cpu/avx512/winograd_f4_tiles.h"

#include <immintrin.h>

#include "kernels/cpu/avx512/winograd_image.h"

namespace revive::kernels::cpu::avx512 {
namespace {

// B^T d for six vectors, B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0;
// 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
inline void input_transform(const __m512 d[6], __m512 o[6]) {
  const __m512 two = _mm512_set1_ps(2.0f), four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f);
  const __m512 s12 = _mm512_add_ps(d[1], d[2]), s34 = _mm512_add_ps(d[3], d[4]);
  const __m512 d12 = _mm512_sub_ps(d[1], d[2]), d43 = _mm512_sub_ps(d[4], d[3]);
  const __m512 d42 = _mm512_sub_ps(d[4], d[2]), d31 = _mm512_sub_ps(d[3], d[1]);
  o[0] = _mm512_fmadd_ps(four, d[0], _mm512_fnmadd_ps(five, d[2], d[4]));
  o[1] = _mm512_fnmadd_ps(four, s12, s34);
  o[2] = _mm512_fmadd_ps(four, d12, d43);
  o[3] = _mm512_fmadd_ps(two, d31, d42);
  o[4] = _mm512_fnmadd_ps(two, d31, d42);
  o[5] = _mm512_fmadd_ps(four, d[1], _mm512_fnmadd_ps(five, d[3], d[5]));
}

// A^T m for six vectors, A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
inline void output_transform(const __m512 m[6], __m512 o[4]) {
  const __m512 two = _mm512_set1_ps(2.0f), four = _mm512_set1_ps(4.0f), eight = _mm512_set1_ps(8.0f);
  const __m512 s12 = _mm512_add_ps(m[1], m[2]), d12 = _mm512_sub_ps(m[1], m[2]);
  const __m512 s34 = _mm512_add_ps(m[3], m[4]), d34 = _mm512_sub_ps(m[3], m[4]);
  o[0] = _mm512_add_ps(_mm512_add_ps(m[0], s12), s34);
  o[1] = _mm512_fmadd_ps(two, d34, d12);
  o[2] = _mm512_fmadd_ps(four, s34, s12);
  o[3] = _mm512_add_ps(_mm512_fmadd_ps(eight, d34, d12), m[5]);
}

// B^T d B for the tiles of one strip (six input rows) of one 16-channel block: B^T down each of
// the strip's columns into `cols`, then across each tile's six columns into V (positions TC
// floats apart, tiles C apart).
void input_strip(const float* const rows[6], int64_t W, int64_t TW, float* cols, float* v, int64_t C, int64_t TC) {
  for (int64_t k = 0; k < 4 * TW + 2; ++k) {
    const int64_t c = k - 1;
    __m512 d[6], o[6];
    for (int r = 0; r < 6; ++r) d[r] = c >= 0 && c < W ? _mm512_loadu_ps(rows[r] + c * kBlock) : _mm512_setzero_ps();
    input_transform(d, o);
    for (int r = 0; r < 6; ++r) _mm512_storeu_ps(cols + (k * 6 + r) * kBlock, o[r]);
  }
  for (int64_t j = 0; j < TW; ++j) {
    const float* e = cols + 4 * j * 6 * kBlock;
    float* vj = v + j * C;
    for (int r = 0; r < 6; ++r) {
      __m512 d[6], o[6];
      for (int s = 0; s < 6; ++s) d[s] = _mm512_loadu_ps(e + (s * 6 + r) * kBlock);
      input_transform(d, o);
      for (int q = 0; q < 6; ++q) _mm512_storeu_ps(vj + (r * 6 + q) * TC, o[q]);
    }
  }
}

// A^T m A of one tile for one 16-channel block (positions TK floats apart), written to the 4x4
// outputs at (r0, c0) that lie inside the H x W image.
void output_tile(const float* m, int64_t TK, float* y, int64_t H, int64_t W, int64_t r0, int64_t c0) {
  __m512 e[4][6];
  for (int s = 0; s < 6; ++s) {
    __m512 col[6], o[4];
    for (int r = 0; r < 6; ++r) col[r] = _mm512_loadu_ps(m + (r * 6 + s) * TK);
    output_transform(col, o);
    for (int a = 0; a < 4; ++a) e[a][s] = o[a];
  }
  for (int a = 0; a < 4 && r0 + a < H; ++a) {
    __m512 o[4];
    output_transform(e[a], o);
    float* row = y + ((r0 + a) * W + c0) * kBlock;
    for (int b = 0; b < 4 && c0 + b < W; ++b) _mm512_storeu_ps(row + b * kBlock, o[b]);
  }
}

// A g for four vectors, A = (A^T)^T: rows [1 0 0 0; 1 1 1 1; 1 -1 1 -1; 1 2 4 8; 1 -2 4 -8;
// 0 0 0 1].
inline void output_grad_transform(const __m512 g[4], __m512 o[6]) {
  const __m512 two = _mm512_set1_ps(2.0f), four = _mm512_set1_ps(4.0f), eight = _mm512_set1_ps(8.0f);
  const __m512 s02 = _mm512_add_ps(g[0], g[2]), s13 = _mm512_add_ps(g[1], g[3]);
  const __m512 p = _mm512_fmadd_ps(four, g[2], g[0]), q = _mm512_fmadd_ps(eight, g[3], _mm512_mul_ps(two, g[1]));
  o[0] = g[0];
  o[1] = _mm512_add_ps(s02, s13);
  o[2] = _mm512_sub_ps(s02, s13);
  o[3] = _mm512_add_ps(p, q);
  o[4] = _mm512_sub_ps(p, q);
  o[5] = g[3];
}

// A g A^T of the 4x4 output-gradient tile at (r0, c0) of one 16-channel block (outputs outside
// the image count as zero), stored as the 36 positions of the tile in D (16 channels at d + xi TK).
void output_grad_tile(const float* dy, int64_t H, int64_t W, int64_t r0, int64_t c0, float* d, int64_t TK) {
  __m512 e[6][4];  // A g, column by column
  for (int s = 0; s < 4; ++s) {
    __m512 g[4], o[6];
    for (int r = 0; r < 4; ++r)
      g[r] = r0 + r < H && c0 + s < W ? _mm512_loadu_ps(dy + ((r0 + r) * W + c0 + s) * kBlock) : _mm512_setzero_ps();
    output_grad_transform(g, o);
    for (int a = 0; a < 6; ++a) e[a][s] = o[a];
  }
  for (int a = 0; a < 6; ++a) {
    __m512 o[6];
    output_grad_transform(e[a], o);
    for (int b = 0; b < 6; ++b) _mm512_storeu_ps(d + (a * 6 + b) * TK, o[b]);
  }
}


// The transforms WinogradImage (winograd_image.h) drives.
struct F4 {
  static constexpr int64_t kOut = 4;
  static constexpr auto strip = input_strip;
  static constexpr auto output = output_tile;
  static constexpr auto output_grad = output_grad_tile;
};

}  // namespace

int64_t winograd_f4_scratch_floats(int64_t C, int64_t K, int64_t H, int64_t W) {
  return WinogradImage<F4>::scratch_floats(C, K, H, W);
}

void winograd_f4_image(const float* x, const float* U, float* y, int64_t C, int64_t K, int64_t H, int64_t W,
                       float* scratch) {
  WinogradImage<F4>::image(x, U, y, C, K, H, W, scratch);
}

void winograd_f4_weight_grad_image(const float* x, const float* dy, float* dU, int64_t C, int64_t K, int64_t H,
                                    int64_t W, float* scratch) {
  WinogradImage<F4>::weight_grad_image(x, dy, dU, C, K, H, W, scratch);
}

}  // namespace revive::kernels::cpu::avx512
