#include "kernels/cpu/avx2/winograd_tiles.h"

#include <immintrin.h>

#include "kernels/cpu/winograd_strips.h"

namespace revive::kernels::cpu::avx2 {
namespace {

constexpr int64_t kBlock = 8;   // channels per pixel of the blocked layout: one __m256
constexpr int64_t kPanel = 16;  // output channels per GEMM panel: two __m256
constexpr int64_t kRows = 6;    // tiles per forward GEMM micro-kernel: 6 x 2 accumulators

// One row of a 16-wide panel as two vectors.
void store_panel_row(float* p, __m256 lo, __m256 hi) {
  _mm256_storeu_ps(p, lo);
  _mm256_storeu_ps(p + 8, hi);
}

// lo, hi += *x (u0, u1): one row of a panel's rank-1 update.
inline __attribute__((always_inline)) void fma_panel_row(const float* x, __m256 u0, __m256 u1, __m256& lo,
                                                         __m256& hi) {
  const __m256 b = _mm256_broadcast_ss(x);
  lo = _mm256_fmadd_ps(b, u0, lo);
  hi = _mm256_fmadd_ps(b, u1, hi);
}

// B^T d B for the tiles of one strip of one 8-channel block: the input rows r0 .. r0 + 3 (`rows`,
// zero rows standing in outside the image), tile j at columns 2j - 1 .. 2j + 2, position xi of
// tile j to v + j C + xi TC. F(2x2, 3x3): B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. The row
// transform runs once per column into `cols` (4 vectors a column) and each tile combines four
// columns, so the two columns a tile shares with the next are loaded and transformed once, and no
// more than eight vectors are live (a tile at a time kept 32, and GCC spilled them).
void input_strip(const float* const rows[4], int64_t W, int64_t TW, float* cols, float* v, int64_t C, int64_t TC) {
  for (int64_t k = 0; k < 2 * TW + 2; ++k) {
    const int64_t c = k - 1;
    __m256 d0 = _mm256_setzero_ps(), d1 = d0, d2 = d0, d3 = d0;
    if (c >= 0 && c < W) {
      d0 = _mm256_loadu_ps(rows[0] + c * kBlock);
      d1 = _mm256_loadu_ps(rows[1] + c * kBlock);
      d2 = _mm256_loadu_ps(rows[2] + c * kBlock);
      d3 = _mm256_loadu_ps(rows[3] + c * kBlock);
    }
    float* e = cols + k * 4 * kBlock;
    _mm256_storeu_ps(e, _mm256_sub_ps(d0, d2));
    _mm256_storeu_ps(e + kBlock, _mm256_add_ps(d1, d2));
    _mm256_storeu_ps(e + 2 * kBlock, _mm256_sub_ps(d2, d1));
    _mm256_storeu_ps(e + 3 * kBlock, _mm256_sub_ps(d1, d3));
  }
  for (int64_t j = 0; j < TW; ++j) {
    const float* e = cols + 2 * j * 4 * kBlock;
    float* vj = v + j * C;
    for (int r = 0; r < 4; ++r) {
      const __m256 e0 = _mm256_loadu_ps(e + r * kBlock), e1 = _mm256_loadu_ps(e + (4 + r) * kBlock);
      const __m256 e2 = _mm256_loadu_ps(e + (8 + r) * kBlock), e3 = _mm256_loadu_ps(e + (12 + r) * kBlock);
      _mm256_storeu_ps(vj + (r * 4 + 0) * TC, _mm256_sub_ps(e0, e2));
      _mm256_storeu_ps(vj + (r * 4 + 1) * TC, _mm256_add_ps(e1, e2));
      _mm256_storeu_ps(vj + (r * 4 + 2) * TC, _mm256_sub_ps(e2, e1));
      _mm256_storeu_ps(vj + (r * 4 + 3) * TC, _mm256_sub_ps(e1, e3));
    }
  }
}

// m[i][0, 16) = sum over c of v[i][c] u[c][0, 16) for the 6 tiles i: V rows C apart, M rows K
// apart. The accumulators are named variables: GCC 12 kept an array of them on the stack, with a
// store after every FMA (the kernel ran at half speed).
void gemm_6x16(const float* v, const float* u, float* m, int64_t C, int64_t K) {
  __m256 a0 = _mm256_setzero_ps(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0, a4 = a0, b4 = a0,
         a5 = a0, b5 = a0;
  for (int64_t c = 0; c < C; ++c) {
    const __m256 u0 = _mm256_loadu_ps(u + c * kPanel), u1 = _mm256_loadu_ps(u + c * kPanel + 8);
    fma_panel_row(v + c, u0, u1, a0, b0);
    fma_panel_row(v + C + c, u0, u1, a1, b1);
    fma_panel_row(v + 2 * C + c, u0, u1, a2, b2);
    fma_panel_row(v + 3 * C + c, u0, u1, a3, b3);
    fma_panel_row(v + 4 * C + c, u0, u1, a4, b4);
    fma_panel_row(v + 5 * C + c, u0, u1, a5, b5);
  }
  store_panel_row(m, a0, b0);
  store_panel_row(m + K, a1, b1);
  store_panel_row(m + 2 * K, a2, b2);
  store_panel_row(m + 3 * K, a3, b3);
  store_panel_row(m + 4 * K, a4, b4);
  store_panel_row(m + 5 * K, a5, b5);
}

// A^T m A of tile t for one 8-channel block, written to the 2x2 outputs at (r0, c0) that lie
// inside the H x W image. A^T = [1 1 1 0; 0 1 -1 -1].
void output_tile(const float* m, int64_t TK, float* y, int64_t H, int64_t W, int64_t r0, int64_t c0) {
  __m256 e[2][4];
  for (int s = 0; s < 4; ++s) {
    const __m256 m0 = _mm256_loadu_ps(m + (0 * 4 + s) * TK), m1 = _mm256_loadu_ps(m + (1 * 4 + s) * TK);
    const __m256 m2 = _mm256_loadu_ps(m + (2 * 4 + s) * TK), m3 = _mm256_loadu_ps(m + (3 * 4 + s) * TK);
    e[0][s] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
    e[1][s] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
  }
  for (int r = 0; r < 2 && r0 + r < H; ++r) {
    float* row = y + ((r0 + r) * W + c0) * kBlock;
    _mm256_storeu_ps(row, _mm256_add_ps(_mm256_add_ps(e[r][0], e[r][1]), e[r][2]));
    if (c0 + 1 < W) _mm256_storeu_ps(row + kBlock, _mm256_sub_ps(_mm256_sub_ps(e[r][1], e[r][2]), e[r][3]));
  }
}

// A dy A^T of the 2x2 output-gradient tile at (r0, c0) of one 8-channel block (outputs outside
// the image count as zero), stored as position xi of tile t in D [16][T][K] (8 channels at
// d + (xi T + t) K). It is the gradient of the tile's 16 products, since y = A^T m A.
void output_grad_tile(const float* dy, int64_t H, int64_t W, int64_t r0, int64_t c0, float* d, int64_t TK) {
  __m256 g[2][2];
  for (int r = 0; r < 2; ++r)
    for (int s = 0; s < 2; ++s)
      g[r][s] = r0 + r < H && c0 + s < W ? _mm256_loadu_ps(dy + ((r0 + r) * W + c0 + s) * kBlock) : _mm256_setzero_ps();
  const __m256 zero = _mm256_setzero_ps();
  __m256 e[4][2];  // A g: rows g0, g0 + g1, g0 - g1, -g1
  for (int s = 0; s < 2; ++s) {
    e[0][s] = g[0][s];
    e[1][s] = _mm256_add_ps(g[0][s], g[1][s]);
    e[2][s] = _mm256_sub_ps(g[0][s], g[1][s]);
    e[3][s] = _mm256_sub_ps(zero, g[1][s]);
  }
  for (int r = 0; r < 4; ++r) {
    _mm256_storeu_ps(d + (r * 4 + 0) * TK, e[r][0]);
    _mm256_storeu_ps(d + (r * 4 + 1) * TK, _mm256_add_ps(e[r][0], e[r][1]));
    _mm256_storeu_ps(d + (r * 4 + 2) * TK, _mm256_sub_ps(e[r][0], e[r][1]));
    _mm256_storeu_ps(d + (r * 4 + 3) * TK, _mm256_sub_ps(zero, e[r][1]));
  }
}

// du[i][0, 16) += sum over the T tiles of v[t][i] d[t][0, 16) for 4 input channels i: V rows C
// apart, D rows K apart, du rows K apart. Eight named accumulators (see gemm_6x16), as many as
// two FMA units of four cycles' latency keep busy.
void gemm_accumulate_4x16(const float* v, const float* d, float* du, int64_t T, int64_t C, int64_t K) {
  __m256 a0 = _mm256_loadu_ps(du), b0 = _mm256_loadu_ps(du + 8);
  __m256 a1 = _mm256_loadu_ps(du + K), b1 = _mm256_loadu_ps(du + K + 8);
  __m256 a2 = _mm256_loadu_ps(du + 2 * K), b2 = _mm256_loadu_ps(du + 2 * K + 8);
  __m256 a3 = _mm256_loadu_ps(du + 3 * K), b3 = _mm256_loadu_ps(du + 3 * K + 8);
  for (int64_t t = 0; t < T; ++t) {
    const __m256 d0 = _mm256_loadu_ps(d + t * K), d1 = _mm256_loadu_ps(d + t * K + 8);
    const float* vt = v + t * C;
    fma_panel_row(vt, d0, d1, a0, b0);
    fma_panel_row(vt + 1, d0, d1, a1, b1);
    fma_panel_row(vt + 2, d0, d1, a2, b2);
    fma_panel_row(vt + 3, d0, d1, a3, b3);
  }
  store_panel_row(du, a0, b0);
  store_panel_row(du + K, a1, b1);
  store_panel_row(du + 2 * K, a2, b2);
  store_panel_row(du + 3 * K, a3, b3);
}

// input_strip's column buffer: 4 vectors for each of the 2 TW + 2 columns a strip's tiles cover.
int64_t column_floats(int64_t W) { return (2 * ((W + 1) / 2) + 2) * 4 * kBlock; }

// V [16][rows][C] from one image, rows >= the tile count. `work` holds the column buffer of
// input_strip and a zero row (work_floats).
void transform_input(const float* x, int64_t C, int64_t H, int64_t W, float* V, int64_t rows, float* work) {
  const int64_t TW = (W + 1) / 2;
  float* cols = work;
  float* zeros = work + column_floats(W);
  for (int64_t i = 0; i < W * kBlock; ++i) zeros[i] = 0.0f;
  for_each_input_strip<2, kBlock>(x, C, H, W, zeros, [&](const float* const* strip, int64_t cb, int64_t i) {
    input_strip(strip, W, TW, cols, V + i * TW * C + cb * kBlock, C, rows * C);
  });
}

int64_t work_floats(int64_t W) { return column_floats(W) + W * kBlock; }

int64_t tiles(int64_t H, int64_t W) { return ((H + 1) / 2) * ((W + 1) / 2); }

// The forward's GEMM takes tiles kRows at a time: its buffers have rows for whole groups.
int64_t padded_tiles(int64_t H, int64_t W) { return (tiles(H, W) + kRows - 1) / kRows * kRows; }

}  // namespace

int64_t winograd_scratch_floats(int64_t C, int64_t K, int64_t H, int64_t W) {
  return 16 * padded_tiles(H, W) * (C + K) + work_floats(W);
}

void winograd_image(const float* x, const float* U, float* y, int64_t C, int64_t K, int64_t H, int64_t W,
                    float* scratch) {
  const int64_t TH = (H + 1) / 2, TW = (W + 1) / 2, T = TH * TW, rows = padded_tiles(H, W);
  float* V = scratch;                  // [16][rows][C]
  float* M = scratch + 16 * rows * C;  // [16][rows][K]
  transform_input(x, C, H, W, V, rows, M + 16 * rows * K);
  for (int64_t xi = 0; xi < 16; ++xi)  // the rows past the tiles enter the GEMM: keep them finite
    for (int64_t i = T * C; i < rows * C; ++i) V[xi * rows * C + i] = 0.0f;
  for (int64_t xi = 0; xi < 16; ++xi) {
    const float* v = V + xi * rows * C;
    for (int64_t kp = 0; kp < K / kPanel; ++kp) {
      const float* u = U + (kp * 16 + xi) * C * kPanel;
      float* m = M + xi * rows * K + kp * kPanel;
      for (int64_t t = 0; t < T; t += kRows) gemm_6x16(v + t * C, u, m + t * K, C, K);
    }
  }
  for (int64_t kb = 0; kb < K / kBlock; ++kb) {
    float* yb = y + kb * H * W * kBlock;
    for (int64_t i = 0; i < TH; ++i)
      for (int64_t j = 0; j < TW; ++j)
        output_tile(M + (i * TW + j) * K + kb * kBlock, rows * K, yb, H, W, 2 * i, 2 * j);
  }
}

void winograd_weight_grad_image(const float* x, const float* dy, float* dU, int64_t C, int64_t K, int64_t H, int64_t W,
                                float* scratch) {
  const int64_t TH = (H + 1) / 2, TW = (W + 1) / 2, T = TH * TW;
  float* V = scratch;               // [16][T][C]
  float* D = scratch + 16 * T * C;  // [16][T][K]
  transform_input(x, C, H, W, V, T, D + 16 * T * K);
  for (int64_t kb = 0; kb < K / kBlock; ++kb) {
    const float* g = dy + kb * H * W * kBlock;
    for (int64_t i = 0; i < TH; ++i)
      for (int64_t j = 0; j < TW; ++j)
        output_grad_tile(g, H, W, 2 * i, 2 * j, D + (i * TW + j) * K + kb * kBlock, T * K);
  }
  for (int64_t xi = 0; xi < 16; ++xi) {
    const float* v = V + xi * T * C;
    const float* d = D + xi * T * K;
    for (int64_t kp = 0; kp < K / kPanel; ++kp) {
      float* du = dU + xi * C * K + kp * kPanel;
      for (int64_t c = 0; c < C; c += 4) gemm_accumulate_4x16(v + c, d + kp * kPanel, du + c * K, T, C, K);
    }
  }
}

}  // namespace revive::kernels::cpu::avx2
