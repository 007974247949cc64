// The per-image drivers of revive's AVX-512 Winograd tiles, shared by F(2x2, 3x3)
// (winograd_tiles.cpp) and F(4x4, 3x3) (winograd_f4_tiles.cpp): transform the image's tiles strip
// by strip, multiply at every position (winograd_gemm.h) and transform back, or, for the weight
// gradient, transform the output gradient's tiles and accumulate. `Tile` supplies the sizes and the
// transforms: kOut (outputs per tile side; kIn = kOut + 2 inputs), strip (B^T d B for the tiles of
// one strip of input rows), output (A^T m A of one tile) and output_grad (A g A^T of one tile). Included only by files built with -mavx512f
// -mfma (cpu_features.h).
#pragma once

#include <cstdint>

#include "kernels/cpu/avx512/winograd_gemm.h"
#include "kernels/cpu/winograd_strips.h"

namespace revive::kernels::cpu::avx512 {

template <class Tile>
struct WinogradImage {
  static constexpr int64_t kOut = Tile::kOut, kIn = Tile::kOut + 2, kPositions = kIn * kIn;

  static int64_t tile_rows(int64_t H) { return (H + kOut - 1) / kOut; }
  // input_strip's column buffer: kIn vectors for each of the kOut TW + 2 columns a strip covers.
  static int64_t column_floats(int64_t W) { return (kOut * tile_rows(W) + 2) * kIn * kBlock; }

  static int64_t scratch_floats(int64_t C, int64_t K, int64_t H, int64_t W) {
    return kPositions * tile_rows(H) * tile_rows(W) * (C + K) + column_floats(W) + W * kBlock;
  }

  // V [P][T][C] from one image. `work` holds the column buffer of input_strip and a zero row.
  static void transform_input(const float* x, int64_t C, int64_t H, int64_t W, float* V, float* work) {
    const int64_t TH = tile_rows(H), TW = tile_rows(W);
    float* cols = work;
    float* zeros = work + column_floats(W);
    for (int64_t i = 0; i < W * kBlock; ++i) zeros[i] = 0.0f;
    for_each_input_strip<kOut, kBlock>(x, C, H, W, zeros, [&](const float* const* strip, int64_t cb, int64_t i) {
      Tile::strip(strip, W, TW, cols, V + i * TW * C + cb * kBlock, C, TH * TW * C);
    });
  }

  static void image(const float* x, const float* U, float* y, int64_t C, int64_t K, int64_t H, int64_t W,
                    float* scratch) {
    const int64_t TH = tile_rows(H), TW = tile_rows(W), T = TH * TW;
    float* V = scratch;                       // [P][T][C]
    float* M = scratch + kPositions * T * C;  // [P][T][K]
    transform_input(x, C, H, W, V, M + kPositions * T * K);
    transformed_products(V, U, M, kPositions, T, C, K);
    for (int64_t kb = 0; kb < K / kBlock; ++kb) {
      float* yb = y + kb * H * W * kBlock;
      for (int64_t i = 0; i < TH; ++i)
        for (int64_t j = 0; j < TW; ++j)
          Tile::output(M + (i * TW + j) * K + kb * kBlock, T * K, yb, H, W, kOut * i, kOut * j);
    }
  }

  static void weight_grad_image(const float* x, const float* dy, float* dU, int64_t C, int64_t K, int64_t H,
                                int64_t W, float* scratch) {
    const int64_t TH = tile_rows(H), TW = tile_rows(W), T = TH * TW;
    float* V = scratch;                       // [P][T][C]
    float* D = scratch + kPositions * T * C;  // [P][T][K]
    transform_input(x, C, H, W, V, D + kPositions * T * K);
    for (int64_t kb = 0; kb < K / kBlock; ++kb) {
      const float* g = dy + kb * H * W * kBlock;
      for (int64_t i = 0; i < TH; ++i)
        for (int64_t j = 0; j < TW; ++j)
          Tile::output_grad(g, H, W, kOut * i, kOut * j, D + (i * TW + j) * K + kb * kBlock, T * K);
    }
    transformed_weight_grads(V, D, dU, kPositions, T, C, K);
  }
};

}  // namespace revive::kernels::cpu::avx512
