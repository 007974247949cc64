// Lane helpers shared by the reactivation methods' AVX-512F files (reactivation/cpu/avx512/,
// reactivation/kr/cpu/avx512/). Include only from files built with -mavx512f: these inline
// functions hold AVX-512 instructions.
//
// GCC 12 warns of uninitialised vectors inside its own headers where an intrinsic passes an
// undefined vector through the lanes it leaves (reductions, extracts, casts, permutes, gathers,
// unsigned min and max): the masked forms used here name every lane's source instead.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace revive::avx512_lanes {

constexpr int32_t kLanes = 16;
constexpr __mmask16 kAll = 0xffff;

// The lanes of x[c, n) at most 16.
inline __mmask16 lanes(int32_t c, int32_t n) {
  return n - c >= kLanes ? kAll : static_cast<__mmask16>((1u << (n - c)) - 1);
}

// 0, 1, ..., 15 (a function: a vector at namespace scope would be initialised with AVX-512
// instructions at start-up, on any CPU).
inline __m512i lane_ids() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }

// The lower and upper 256 bits of v, and its lowest lane.
inline __m256i lower_half(__m512i v) { return _mm512_mask_extracti64x4_epi64(_mm256_setzero_si256(), 0xff, v, 0); }
inline __m256i upper_half(__m512i v) { return _mm512_mask_extracti64x4_epi64(_mm256_setzero_si256(), 0xff, v, 1); }
inline int32_t first_lane(__m512i v) {
  return _mm_cvtsi128_si32(_mm512_mask_extracti32x4_epi32(_mm_setzero_si128(), 0xf, v, 0));
}

// The 16 lanes of v combined by op (associative and commutative), given as its 256- and 128-bit
// instructions.
template <class Op256, class Op128>
int32_t reduce_lanes(__m512i v, const Op256& op256, const Op128& op128) {
  const __m256i h = op256(lower_half(v), upper_half(v));
  __m128i t = op128(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  t = op128(t, _mm_shuffle_epi32(t, 0x4e));
  t = op128(t, _mm_shuffle_epi32(t, 0xb1));
  return _mm_cvtsi128_si32(t);
}

inline int32_t sum_lanes(__m512i v) {
  return reduce_lanes(v, [](__m256i a, __m256i b) { return _mm256_add_epi32(a, b); },
                      [](__m128i a, __m128i b) { return _mm_add_epi32(a, b); });
}
inline uint32_t min_lanes_epu32(__m512i v) {
  return static_cast<uint32_t>(reduce_lanes(v, [](__m256i a, __m256i b) { return _mm256_min_epu32(a, b); },
                                            [](__m128i a, __m128i b) { return _mm_min_epu32(a, b); }));
}
inline int32_t min_lanes_epi32(__m512i v) {
  return reduce_lanes(v, [](__m256i a, __m256i b) { return _mm256_min_epi32(a, b); },
                      [](__m128i a, __m128i b) { return _mm_min_epi32(a, b); });
}
inline int32_t max_lanes_epi32(__m512i v) {
  return reduce_lanes(v, [](__m256i a, __m256i b) { return _mm256_max_epi32(a, b); },
                      [](__m128i a, __m128i b) { return _mm_max_epi32(a, b); });
}

}  // namespace revive::avx512_lanes
