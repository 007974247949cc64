// A selection by pivots, where the portable select_rank goes by radix digits: a set of tens to a
// thousand keys sits in L1, so a pass over it costs little, and what a radix round adds (a
// histogram key by key, a scan over up to 256 bins) costs more than a pass. Each round picks two
// pivots from a sample of the keys, counts the keys below and at them in one pass, and keeps
// (compressed to the front, in order) the side that holds the rank; at most 16 keys are then
// ranked among themselves in registers. Only integer compares of the keys, so the answer is the
// portable one whatever pivots are drawn.
#include "reactivation/cpu/avx512/select_rank_avx512.h"

#include <immintrin.h>

#include <algorithm>

namespace revive::select_avx512 {
namespace {

constexpr int32_t kLanes = 16;

// The lanes of keys[c, n) at most 16.
__mmask16 lanes(int32_t c, int32_t n) {
  return n - c >= kLanes ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (n - c)) - 1);
}

// 0, 1, ..., 15 (a function: a vector at namespace scope would be initialised with AVX-512
// instructions at start-up, on any CPU).
__m512i lane_ids() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }

// GCC 12 warns of uninitialised vectors inside its own headers where an intrinsic passes an
// undefined vector through the lanes it leaves (reductions, extracts, permutes, gathers, unsigned
// min): the masked forms below name every lane's source instead.
constexpr __mmask16 kAll = 0xffff;

// The lower and upper 256 bits of v, its lowest lane.
__m256i lower_half(__m512i v) { return _mm512_mask_extracti64x4_epi64(_mm256_setzero_si256(), 0xff, v, 0); }
__m256i upper_half(__m512i v) { return _mm512_mask_extracti64x4_epi64(_mm256_setzero_si256(), 0xff, v, 1); }
int32_t first_lane(__m512i v) {
  return _mm_cvtsi128_si32(_mm512_mask_extracti32x4_epi32(_mm_setzero_si128(), 0xf, v, 0));
}

// The sum of the 16 lanes.
int32_t sum_lanes(__m512i v) {
  const __m256i s = _mm256_add_epi32(lower_half(v), upper_half(v));
  __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
  return _mm_cvtsi128_si32(t);
}

// The value in the first lane of `at` (a lane is set).
uint32_t lane_value(__m512i v, __mmask16 at) {
  return static_cast<uint32_t>(first_lane(_mm512_maskz_compress_epi32(at, v)));
}

// The smallest of keys[0, n).
uint32_t min_key(const uint32_t* keys, int32_t n) {
  __m512i m = _mm512_set1_epi32(-1);
  for (int32_t c = 0; c < n; c += kLanes)
    m = _mm512_mask_min_epu32(m, kAll, m, _mm512_mask_loadu_epi32(m, lanes(c, n), keys + c));
  const __m256i h = _mm256_min_epu32(lower_half(m), upper_half(m));
  __m128i t = _mm_min_epu32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  t = _mm_min_epu32(t, _mm_shuffle_epi32(t, 0x4e));
  t = _mm_min_epu32(t, _mm_shuffle_epi32(t, 0xb1));
  return static_cast<uint32_t>(_mm_cvtsi128_si32(t));
}

// For each lane L of s: below[L], the lanes holding a smaller key, and order[L], L's position in
// the stable ascending order of the 16 (below[L] plus the lanes before L holding an equal key).
// Each lane meets every other once, the vector rotated by 1..15 lanes.
void stable_order(__m512i s, __m512i& below, __m512i& order) {
  const __m512i ids = lane_ids(), fifteen = _mm512_set1_epi32(15), minus_one = _mm512_set1_epi32(-1);
  below = _mm512_setzero_si512();
  order = _mm512_setzero_si512();
  for (int i = 1; i < kLanes; ++i) {
    const __m512i rotate = _mm512_and_si512(_mm512_add_epi32(ids, _mm512_set1_epi32(i)), fifteen);
    const __m512i t = _mm512_mask_permutexvar_epi32(s, kAll, rotate, s);
    const __mmask16 less = _mm512_cmplt_epu32_mask(t, s);
    // Lane L meets lane (L + i) mod 16, which comes before it when L + i >= 16.
    const __mmask16 earlier = static_cast<__mmask16>(0xffffu << (kLanes - i));
    const __mmask16 tie = _mm512_mask_cmpeq_epi32_mask(earlier, t, s);
    below = _mm512_mask_sub_epi32(below, less, below, minus_one);
    order = _mm512_mask_sub_epi32(order, less | tie, order, minus_one);
  }
}

// The answer for n <= 16 keys: the lanes past n hold UINT32_MAX, which come after every key in
// the stable order (equal or larger, and later), so the keys take positions 0..n-1.
SelectRank select_few(const uint32_t* keys, int32_t n, int32_t rank) {
  const __m512i s = _mm512_mask_loadu_epi32(_mm512_set1_epi32(-1), lanes(0, n), keys);
  __m512i below, order;
  stable_order(s, below, order);
  const __mmask16 at = _mm512_cmpeq_epi32_mask(order, _mm512_set1_epi32(rank));
  return {lane_value(s, at), rank - static_cast<int32_t>(lane_value(below, at))};
}

// Two keys of the set that likely bracket the one at `rank`: 16 keys spread over the set, ordered
// among themselves; about 16 rank / n of them lie below the answer, give or take two (the
// binomial's spread), so the pivots are the sample's keys some positions either side.
void pick_pivots(const uint32_t* keys, int32_t n, int32_t rank, uint32_t& lo, uint32_t& hi) {
  alignas(64) int32_t at[kLanes];
  for (int i = 0; i < kLanes; ++i) at[i] = static_cast<int32_t>(int64_t{2 * i + 1} * n / (2 * kLanes));
  const __m512i sample = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), kAll, _mm512_load_si512(at), keys, 4);
  __m512i below, order;
  stable_order(sample, below, order);
  const int32_t m = static_cast<int32_t>((int64_t{2 * kLanes} * rank + n) / (2 * int64_t{n}));
  lo = lane_value(sample, _mm512_cmpeq_epi32_mask(order, _mm512_set1_epi32(std::max(m - 3, 0))));
  hi = lane_value(sample, _mm512_cmpeq_epi32_mask(order, _mm512_set1_epi32(std::min(m + 2, kLanes - 1))));
}

// Moves the keys of keys[0, n) within [a, b] to the front, in order; returns their count. Each
// store lands at or before the keys just loaded.
int32_t keep_range(uint32_t* keys, int32_t n, uint32_t a, uint32_t b) {
  const __m512i av = _mm512_set1_epi32(static_cast<int32_t>(a)), bv = _mm512_set1_epi32(static_cast<int32_t>(b));
  int32_t kept = 0;
  for (int32_t c = 0; c < n; c += kLanes) {
    const __mmask16 m = lanes(c, n);
    const __m512i k = _mm512_maskz_loadu_epi32(m, keys + c);
    const __mmask16 in = _mm512_mask_cmple_epu32_mask(_mm512_mask_cmpge_epu32_mask(m, k, av), k, bv);
    const int count = __builtin_popcount(in);
    _mm512_mask_storeu_epi32(keys + kept, static_cast<__mmask16>((1u << count) - 1),
                             _mm512_maskz_compress_epi32(in, k));
    kept += count;
  }
  return kept;
}

}  // namespace

SelectRank select_rank(uint32_t* keys, int64_t n64, int64_t rank64) {
  // A layer's filters or a filter's kernels: int32 counts.
  int32_t n = static_cast<int32_t>(n64), rank = static_cast<int32_t>(rank64);
  if (rank == 0) return {min_key(keys, n), 0};
  while (n > kLanes) {
    uint32_t lo, hi;
    pick_pivots(keys, n, rank, lo, hi);
    const __m512i lo_v = _mm512_set1_epi32(static_cast<int32_t>(lo)), hi_v = _mm512_set1_epi32(static_cast<int32_t>(hi));
    const __m512i minus_one = _mm512_set1_epi32(-1);
    __m512i below_lo = _mm512_setzero_si512(), below_hi = below_lo, at_most_hi = below_lo;
    for (int32_t c = 0; c < n; c += kLanes) {
      const __mmask16 m = lanes(c, n);
      const __m512i k = _mm512_maskz_loadu_epi32(m, keys + c);
      below_lo = _mm512_mask_sub_epi32(below_lo, _mm512_mask_cmplt_epu32_mask(m, k, lo_v), below_lo, minus_one);
      below_hi = _mm512_mask_sub_epi32(below_hi, _mm512_mask_cmplt_epu32_mask(m, k, hi_v), below_hi, minus_one);
      at_most_hi = _mm512_mask_sub_epi32(at_most_hi, _mm512_mask_cmple_epu32_mask(m, k, hi_v), at_most_hi, minus_one);
    }
    const int32_t n_below_lo = sum_lanes(below_lo), n_below_hi = sum_lanes(below_hi);
    const int32_t n_at_most_hi = sum_lanes(at_most_hi);
    // Every branch shrinks the set: lo and hi are keys of it, so some key is not below lo, some
    // key is at most hi, and the keys equal to hi leave [lo, hi).
    if (rank >= n_below_hi && rank < n_at_most_hi) return {hi, rank - n_below_hi};
    if (rank < n_below_lo) {
      n = keep_range(keys, n, 0, lo - 1);
    } else if (rank >= n_at_most_hi) {
      n = keep_range(keys, n, hi + 1, UINT32_MAX);
      rank -= n_at_most_hi;
    } else {
      n = keep_range(keys, n, lo, hi - 1);
      rank -= n_below_lo;
    }
  }
  return select_few(keys, n, rank);
}

}  // namespace revive::select_avx512
