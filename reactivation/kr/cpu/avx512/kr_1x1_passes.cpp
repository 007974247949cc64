#include "reactivation/kr/cpu/avx512/kr_1x1_passes.h"

#include <algorithm>

#include "reactivation/cpu/avx512/lanes_avx512.h"

namespace revive::kr_avx512 {
namespace {

// kNanMagnitudeKey (order_keys.h): the smallest NaN's bits, the key of every NaN.
constexpr int32_t kNanKey = 0x7f800001;

using avx512_lanes::lane_ids;
using avx512_lanes::lanes;

// magnitude_key of the weights in the mask's lanes (0 in the others): |w|'s bits, NaNs as one.
__m512i keys16(const float* w, __mmask16 m) {
  const __m512i bits = _mm512_and_si512(_mm512_castps_si512(_mm512_maskz_loadu_ps(m, w)),
                                        _mm512_set1_epi32(0x7fffffff));
  const __m512i nan = _mm512_set1_epi32(kNanKey);
  return _mm512_mask_mov_epi32(bits, _mm512_cmpgt_epi32_mask(bits, nan), nan);
}

// The indices c, c + 1, ..., c + 15.
__m512i indices(int32_t c) { return _mm512_add_epi32(lane_ids(), _mm512_set1_epi32(c)); }

}  // namespace

int32_t keys_and_best(const float* w, int32_t n, uint32_t* work) {
  // Per lane the largest key (keys are below 2^31: signed compares) and its first index.
  __m512i max_key = _mm512_set1_epi32(-1), max_at = _mm512_setzero_si512();
  for (int32_t c = 0; c < n; c += 16) {
    const __mmask16 m = lanes(c, n);
    const __m512i key = keys16(w + c, m);
    _mm512_mask_storeu_epi32(work + c, m, key);
    const __mmask16 more = _mm512_mask_cmpgt_epi32_mask(m, key, max_key);
    max_key = _mm512_mask_mov_epi32(max_key, more, key);
    max_at = _mm512_mask_mov_epi32(max_at, more, indices(c));
  }
  // The largest key, and the first index among the lanes holding it (branch-free reductions:
  // which lane wins is unpredictable).
  const __mmask16 top = _mm512_cmpeq_epi32_mask(max_key, _mm512_set1_epi32(avx512_lanes::max_lanes_epi32(max_key)));
  return avx512_lanes::min_lanes_epi32(_mm512_mask_mov_epi32(_mm512_set1_epi32(n), top, max_at));
}

// The lowest `keep` set bits of m (keep < popcount(m)).
__mmask16 lowest_bits(__mmask16 m, int32_t keep) {
  uint32_t out = 0, rest = m;
  for (; keep > 0; --keep) {
    out |= rest & (0u - rest);
    rest &= rest - 1;
  }
  return static_cast<__mmask16>(out);
}

void rescale(float* w, int32_t n, int32_t best, uint32_t threshold, int32_t ties, float best_l1, bool best_ok,
             int64_t* counts) {
  const __m512i t = _mm512_set1_epi32(static_cast<int32_t>(threshold));
  const __m512i best_v = _mm512_set1_epi32(best), minus_one = _mm512_set1_epi32(-1);
  const __m512 b = _mm512_set1_ps(best_l1);
  const __m512i exponent = _mm512_set1_epi32(0x7f800000);
  __m512i rescaled = _mm512_setzero_si512(), zero_norm = rescaled, non_finite = rescaled;
  for (int32_t c = 0; c < n; c += 16) {
    const __mmask16 m = lanes(c, n);
    const __m512 x = _mm512_maskz_loadu_ps(m, w + c);
    const __m512i key = keys16(w + c, m);
    const __mmask16 other = _mm512_mask_cmpneq_epi32_mask(m, indices(c), best_v);
    // The ties taken are the first `ties` others equal to the threshold, in index order: mostly
    // all or none of a vector's, so the branch is seldom taken.
    __mmask16 tie = _mm512_mask_cmpeq_epi32_mask(other, key, t);
    const int32_t n_tie = __builtin_popcount(tie);
    if (n_tie > ties) tie = lowest_bits(tie, ties);
    ties -= std::min(n_tie, ties);
    const __mmask16 in = _mm512_mask_cmplt_epi32_mask(other, key, t) | tie;
    const __m512 k = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff)));
    const __m512 r = _mm512_div_ps(b, k);
    const __mmask16 zero = _mm512_cmp_ps_mask(k, _mm512_setzero_ps(), _CMP_EQ_OQ);
    const __mmask16 finite =
        _mm512_cmpneq_epi32_mask(_mm512_and_si512(_mm512_castps_si512(r), exponent), exponent);
    const __mmask16 ok = best_ok ? static_cast<__mmask16>(finite & ~zero) : __mmask16(0);
    _mm512_mask_storeu_ps(w + c, in & ok, _mm512_mul_ps(x, r));
    rescaled = _mm512_mask_sub_epi32(rescaled, in & ok, rescaled, minus_one);
    zero_norm = _mm512_mask_sub_epi32(zero_norm, in & zero, zero_norm, minus_one);
    non_finite = _mm512_mask_sub_epi32(non_finite, in & ~zero & ~ok, non_finite, minus_one);
  }
  counts[0] += avx512_lanes::sum_lanes(rescaled);
  counts[1] += avx512_lanes::sum_lanes(zero_norm);
  counts[2] += avx512_lanes::sum_lanes(non_finite);
}

}  // namespace revive::kr_avx512
