// The strips of the Winograd input transform, shared by the AVX2 tiles (avx2/winograd_tiles.cpp)
// and the AVX-512 ones (avx512/winograd_image.h): for each channel block of one image
// (x [C/B][H][W][B]) and each row of tiles, the kOut + 2 input rows the strip covers, rows above or
// below the image (padding 1) reading `zeros`, a row of W * B zeros. Plain loops over pointers, no
// intrinsics: each ISA's file passes its own strip transform, so each has its own instantiation.
#pragma once

#include <cstdint>

namespace revive::kernels::cpu {

// Calls strip(rows, cb, i) for channel block cb and tile row i, rows[r] the input row kOut i - 1 + r.
template <int64_t kOut, int64_t kBlock, class Strip>
void for_each_input_strip(const float* x, int64_t C, int64_t H, int64_t W, const float* zeros, Strip&& strip) {
  const int64_t TH = (H + kOut - 1) / kOut;
  for (int64_t cb = 0; cb < C / kBlock; ++cb) {
    const float* xb = x + cb * H * W * kBlock;
    for (int64_t i = 0; i < TH; ++i) {
      const float* rows[kOut + 2];
      for (int64_t r = 0; r < kOut + 2; ++r) {
        const int64_t h = kOut * i - 1 + r;
        rows[r] = h >= 0 && h < H ? xb + h * W * kBlock : zeros;
      }
      strip(rows, cb, i);
    }
  }
}

}  // namespace revive::kernels::cpu
