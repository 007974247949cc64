// A selection by pivots, where the portable select_rank goes by radix digits: a set of tens to a
// thousand keys sits in L1, so a pass over it costs little, and what a radix round adds (a
// histogram key by key, a scan over up to 256 bins) costs more than a pass. Each round picks two
// pivots from a sample of the keys, counts the keys below and at them in one pass, and keeps
// (compressed to the front, in order) the side that holds the rank; at most 32 keys are then
// sorted in registers. Only integer compares of the keys, so the answer is the portable one
// whatever pivots are drawn.
#include "reactivation/cpu/avx512/select_rank_avx512.h"

#include <algorithm>

#include "reactivation/cpu/avx512/lanes_avx512.h"

namespace revive::select_avx512 {
namespace {

using avx512_lanes::first_lane;
using avx512_lanes::kAll;
using avx512_lanes::kLanes;
using avx512_lanes::lane_ids;
using avx512_lanes::lanes;
using avx512_lanes::min_lanes_epu32;
using avx512_lanes::sum_lanes;

// The smallest of keys[0, n).
uint32_t min_key(const uint32_t* keys, int32_t n) {
  __m512i m = _mm512_set1_epi32(-1);
  for (int32_t c = 0; c < n; c += kLanes)
    m = _mm512_mask_min_epu32(m, kAll, m, _mm512_mask_loadu_epi32(m, lanes(c, n), keys + c));
  return min_lanes_epu32(m);
}

// The steps of a bitonic network sorting 16 lanes: for lane distances j = k/2 .. 1 within blocks
// of k = 2 .. 16 lanes, each lane meets lane ^ j and keeps the smaller key, or the larger one (the
// lanes in `larger`) as its block sorts up or down.
struct SortStep {
  int j;
  __mmask16 larger;
};
constexpr __mmask16 keeps_larger(int k, int j) {
  uint32_t m = 0;
  for (int i = 0; i < kLanes; ++i) m |= static_cast<uint32_t>(((i & j) != 0) != ((i & k) != 0)) << i;
  return static_cast<__mmask16>(m);
}
constexpr SortStep kSortSteps[] = {
    {1, keeps_larger(2, 1)},  {2, keeps_larger(4, 2)},  {1, keeps_larger(4, 1)},   {4, keeps_larger(8, 4)},
    {2, keeps_larger(8, 2)},  {1, keeps_larger(8, 1)},  {8, keeps_larger(16, 8)},  {4, keeps_larger(16, 4)},
    {2, keeps_larger(16, 2)}, {1, keeps_larger(16, 1)}};

constexpr int kSortSteps16 = 6;  // kSortSteps[6..9]: the last block's, which sort a bitonic s

// Steps [first, 10) of the network on the 16 lanes of s.
__m512i sort_steps(__m512i s, int first) {
  const __m512i ids = lane_ids();
  for (int i = first; i < 10; ++i) {
    const SortStep& step = kSortSteps[i];
    const __m512i t = _mm512_mask_permutexvar_epi32(s, kAll, _mm512_xor_si512(ids, _mm512_set1_epi32(step.j)), s);
    s = _mm512_mask_blend_epi32(step.larger, _mm512_mask_min_epu32(s, kAll, s, t), _mm512_mask_max_epu32(s, kAll, s, t));
  }
  return s;
}

// The 16 lanes of s sorted ascending (only the keys' values matter here, not which lane held one).
__m512i sort_lanes(__m512i s) { return sort_steps(s, 0); }

// Lane i of v.
uint32_t lane(__m512i v, int32_t i) {
  return static_cast<uint32_t>(first_lane(_mm512_mask_permutexvar_epi32(v, kAll, _mm512_set1_epi32(i), v)));
}

// The answer for n <= 32 keys, sorted in two registers: the lanes past n hold UINT32_MAX, which
// sort after the keys (or equal the largest), so position `rank` of the sorted lanes is the
// threshold. Past 16 keys, the two sorted halves are merged: the second reversed, the lanes'
// minima are the 16 smallest and their maxima the 16 largest, each a bitonic sequence that the
// network's last block sorts.
SelectRank select_few(const uint32_t* keys, int32_t n, int32_t rank) {
  const __m512i none = _mm512_set1_epi32(-1);
  const __m512i a = _mm512_mask_loadu_epi32(none, lanes(0, n), keys);
  const __m512i b = n > kLanes ? _mm512_mask_loadu_epi32(none, lanes(kLanes, n), keys + kLanes) : none;
  uint32_t threshold;
  if (n <= kLanes) {
    threshold = lane(sort_lanes(a), rank);
  } else {
    const __m512i sorted_a = sort_lanes(a), sorted_b = sort_lanes(b);
    const __m512i reversed_b = _mm512_mask_permutexvar_epi32(sorted_b, kAll, _mm512_sub_epi32(_mm512_set1_epi32(kLanes - 1), lane_ids()), sorted_b);
    threshold = rank < kLanes ? lane(sort_steps(_mm512_mask_min_epu32(a, kAll, sorted_a, reversed_b), kSortSteps16), rank)
                              : lane(sort_steps(_mm512_mask_max_epu32(a, kAll, sorted_a, reversed_b), kSortSteps16), rank - kLanes);
  }
  const __m512i t = _mm512_set1_epi32(static_cast<int32_t>(threshold));
  const int below = __builtin_popcount(_mm512_cmplt_epu32_mask(a, t)) + __builtin_popcount(_mm512_cmplt_epu32_mask(b, t));
  return {threshold, rank - below};
}

// Two keys of the set that likely bracket the one at `rank`: a sample of 16 keys, four runs of
// four at the set's quarters (plain loads: a gather waits longer for the keys just stored),
// sorted; about 16 rank / n of them lie below the answer, give or take (the binomial's spread),
// so the pivots are the sample's keys some positions either side. n > 16.
void pick_pivots(const uint32_t* keys, int32_t n, int32_t rank, uint32_t& lo, uint32_t& hi) {
  const int32_t q = (n - 4) / 3;  // runs at 0, q, 2q, 3q end by n
  const auto run = [&](int32_t i) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(keys + i * q)); };
  __m512i sample = _mm512_castsi128_si512(run(0));
  sample = _mm512_inserti32x4(sample, run(1), 1);
  sample = _mm512_inserti32x4(sample, run(2), 2);
  sample = sort_lanes(_mm512_inserti32x4(sample, run(3), 3));
  const int32_t m = static_cast<int32_t>((int64_t{2 * kLanes} * rank + n) / (2 * int64_t{n}));
  lo = lane(sample, std::max(m - 2, 0));
  hi = lane(sample, std::min(m + 1, kLanes - 1));
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
  while (n > 2 * kLanes) {
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
    if (rank >= n_below_hi && rank < n_at_most_hi) return {hi, rank - n_below_hi};
    // The keys below lo, above hi, or in [lo, hi): every choice shrinks the set, as lo and hi are
    // keys of it (some key is not below lo, some key is at most hi, and the keys equal to hi
    // leave [lo, hi)). Chosen by conditional moves: which one holds the rank is unpredictable.
    const bool below = rank < n_below_lo, above = rank >= n_at_most_hi;
    const uint32_t a = below ? 0u : above ? hi + 1 : lo;
    const uint32_t b = below ? lo - 1 : above ? UINT32_MAX : hi - 1;
    rank -= below ? 0 : above ? n_at_most_hi : n_below_lo;
    n = keep_range(keys, n, a, b);
  }
  return select_few(keys, n, rank);
}

}  // namespace revive::select_avx512
