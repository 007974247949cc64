// The elementwise stage of revive's AVX-512 Winograd tiles, shared by F(2x2, 3x3)
// (winograd_tiles.h) and F(4x4, 3x3) (winograd_f4_tiles.h): at each of the P positions of a
// transformed tile, the transformed inputs of all tiles times the transformed weights, summed over
// the input channels. Included only by files built with -mavx512f -mfma (cpu_features.h).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

namespace revive::kernels::cpu::avx512 {

constexpr int64_t kBlock = 16;  // channels per pixel of the blocked layout: one __m512
constexpr int kAccumulators = 16;  // of the GEMM micro-kernels: half the vector registers

// m[i][16 p, 16 p + 16) = sum over c of v[i][c] u_p[c][0, 16) for R tiles i and NP panels p of 16
// output channels: V rows C apart, panels `u_step` floats apart, M rows K apart. Two or four
// panels at once load each broadcast input once for several products and keep enough independent
// sums in flight when a position has few tiles (7x7 images: 4 tiles of F(4x4, 3x3)). The
// accumulator array is indexed by constants only once the loops are unrolled, so GCC keeps it in
// registers. A function of its own: inlined into its caller, the row pointers competed with the
// caller's for general registers and went to the stack.
template <int R, int NP>
__attribute__((noinline)) void gemm_block(const float* v, const float* u, int64_t u_step, float* m, int64_t C,
                                          int64_t K) {
  __m512 acc[R][NP];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) acc[i][p] = _mm512_setzero_ps();
  for (int64_t c = 0; c < C; ++c) {
    __m512 uc[NP];
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) uc[p] = _mm512_loadu_ps(u + p * u_step + c * kBlock);
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const __m512 vi = _mm512_set1_ps(v[i * C + c]);
#pragma GCC unroll 4
      for (int p = 0; p < NP; ++p) acc[i][p] = _mm512_fmadd_ps(vi, uc[p], acc[i][p]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) _mm512_storeu_ps(m + i * K + p * kBlock, acc[i][p]);
}

// gemm_block for `rows` <= kAccumulators / NP tiles.
template <int NP, int R = kAccumulators / NP>
void gemm_rows(int rows, const float* v, const float* u, int64_t u_step, float* m, int64_t C, int64_t K) {
  if constexpr (R > 0) {
    if (rows == R) return gemm_block<R, NP>(v, u, u_step, m, C, K);
    gemm_rows<NP, R - 1>(rows, v, u, u_step, m, C, K);
  }
}

// M [P][T][K] = V [P][T][C] times U at every position, U laid out [K/16][P][C][16] (as
// conv2d_winograd.cpp transforms the weights). Blocks of up to 16 tiles by 1 panel, 8 by 2, or 4
// by 4.
inline void transformed_products(const float* V, const float* U, float* M, int64_t P, int64_t T, int64_t C,
                                 int64_t K) {
  const int64_t panels = K / kBlock, u_step = P * C * kBlock;
  for (int64_t xi = 0; xi < P; ++xi) {
    const float* v = V + xi * T * C;
    for (int64_t kp = 0; kp < panels;) {
      const int64_t np = T <= 4 && panels - kp >= 4 ? 4 : panels - kp >= 2 ? 2 : 1;
      // Blocks of equal size: 49 tiles as 13 + 12 + 12 + 12 rather than 16 + 16 + 16 + 1.
      const int64_t most = kAccumulators / np, blocks = (T + most - 1) / most;
      const float* u = U + (kp * P + xi) * C * kBlock;
      for (int64_t b = 0, t = 0; b < blocks; ++b) {
        const int rows = static_cast<int>((T - t) / (blocks - b));
        float* m = M + (xi * T + t) * K + kp * kBlock;
        if (np == 4) {
          gemm_rows<4>(rows, v + t * C, u, u_step, m, C, K);
        } else if (np == 2) {
          gemm_rows<2>(rows, v + t * C, u, u_step, m, C, K);
        } else {
          gemm_rows<1>(rows, v + t * C, u, u_step, m, C, K);
        }
        t += rows;
      }
      kp += np;
    }
  }
}

// du[i][16 p, 16 p + 16) += sum over the T tiles of v[t][i] d[t][16 p, 16 p + 16) for R input
// channels i and NP panels p of 16 output channels: V rows C apart, D and du rows K apart.
template <int R, int NP>
__attribute__((noinline)) void grad_block(const float* v, const float* d, float* du, int64_t T, int64_t C, int64_t K) {
  __m512 acc[R][NP];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) acc[i][p] = _mm512_loadu_ps(du + i * K + p * kBlock);
  for (int64_t t = 0; t < T; ++t) {
    __m512 dt[NP];
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) dt[p] = _mm512_loadu_ps(d + t * K + p * kBlock);
    const float* vt = v + t * C;
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const __m512 vi = _mm512_set1_ps(vt[i]);
#pragma GCC unroll 2
      for (int p = 0; p < NP; ++p) acc[i][p] = _mm512_fmadd_ps(vi, dt[p], acc[i][p]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) _mm512_storeu_ps(du + i * K + p * kBlock, acc[i][p]);
}

// dU [P][C][K] += the sum over the T tiles of V [P][T][C] (transformed inputs) times D [P][T][K]
// (transformed output gradients) at every position: the gradient of the transformed weights.
// C % 16 == 0. Blocks of 16 input channels by 1 panel or 8 by 2 (16 accumulators).
inline void transformed_weight_grads(const float* V, const float* D, float* dU, int64_t P, int64_t T, int64_t C,
                                     int64_t K) {
  const int64_t panels = K / kBlock;
  for (int64_t xi = 0; xi < P; ++xi) {
    const float* v = V + xi * T * C;
    const float* d = D + xi * T * K;
    for (int64_t kp = 0; kp < panels;) {
      float* du = dU + xi * C * K + kp * kBlock;
      if (panels - kp >= 2) {
        for (int64_t c = 0; c < C; c += 8) grad_block<8, 2>(v + c, d + kp * kBlock, du + c * K, T, C, K);
        kp += 2;
      } else {
        for (int64_t c = 0; c < C; c += 16) grad_block<16, 1>(v + c, d + kp * kBlock, du + c * K, T, C, K);
        kp += 1;
      }
    }
  }
}

}  // namespace revive::kernels::cpu::avx512
