#include "reactivation/fg/cpu/avx512/fg_rows_avx512.h"

#include <algorithm>

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_epi32(), a self-initialised variable
// that its own -Wuninitialized reports at every use (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

namespace revive::kernels::cpu::avx512 {

namespace {

constexpr int kBins = 10;
// Each bin's count lives in a 6-bit field of a 32-bit lane (bins 0-4 in one accumulator, 5-9 in
// the other), so a lane's fields are widened before the 64th vector could overflow one.
constexpr int kFieldBits = 6;
constexpr int kFlushVectors = (1 << kFieldBits) - 1;
// Vectors per call of the widened 32-bit lane counters (far below 2^31 per lane).
constexpr int64_t kBlockVectors = int64_t{1} << 26;
// Vectors of `side` taken per vector counted: at most a few, the rest of a longer one after.
constexpr int64_t kMaxPace = 4;

// Lane-wise min/max of runs of vectors and whether any lane was NaN.
struct Lanes {
  __m512 lo, hi;
  __mmask16 bad;
};
inline Lanes lanes_of(__m512 v) { return {v, v, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q)}; }
inline void add_lanes(Lanes& s, __m512 v) {
  s.lo = _mm512_min_ps(s.lo, v);
  s.hi = _mm512_max_ps(s.hi, v);
  s.bad = static_cast<__mmask16>(s.bad | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q));
}
void reduce_lanes(const Lanes& s, float* lo, float* hi, bool* nan) {
  alignas(64) float ls[16], hs[16];
  _mm512_store_ps(ls, s.lo);
  _mm512_store_ps(hs, s.hi);
  *lo = ls[0];
  *hi = hs[0];
  for (int k = 1; k < 16; ++k) {
    *lo = ls[k] < *lo ? ls[k] : *lo;
    *hi = hs[k] > *hi ? hs[k] : *hi;
  }
  *nan = s.bad != 0;
}

// The bin of each lane by entropy_bin's own test: !(x >= edge 0) gives 10 (no bin), else the
// number of edges 1..10 at or below x. For the few vectors whose estimate fails its check.
__m512i exact_bins(__m512 v, const float* edges) {
  const __m512i one = _mm512_set1_epi32(1);
  __m512i b = _mm512_setzero_si512();
  for (int j = 1; j <= kBins; ++j)
    b = _mm512_mask_add_epi32(b, _mm512_cmp_ps_mask(v, _mm512_set1_ps(edges[j]), _CMP_GE_OQ), b, one);
  const __mmask16 inside = _mm512_cmp_ps_mask(v, _mm512_set1_ps(edges[0]), _CMP_GE_OQ);
  return _mm512_mask_blend_epi32(inside, _mm512_set1_epi32(kBins), b);
}

void bin_block(const float* x, int64_t n, const float* edges, int64_t* counts, const float*& side,
               const float* side_end, Lanes& side_lanes, int pace) {
  // Per bin index b (0..10; lanes 11-15 are never read): its own edge, the next one (+inf after the
  // last: a value at or above edge 10 is in no bin, "bin" 10, and is not counted), and the one-hot
  // field that counts it.
  alignas(64) float below[16], above[16];
  alignas(64) int32_t low_field[16], high_field[16];
  for (int b = 0; b < 16; ++b) {
    below[b] = b <= kBins ? edges[b] : __builtin_inff();
    above[b] = b < kBins ? edges[b + 1] : __builtin_inff();
    low_field[b] = b < kBins / 2 ? 1 << (kFieldBits * b) : 0;
    high_field[b] = b >= kBins / 2 && b < kBins ? 1 << (kFieldBits * (b - kBins / 2)) : 0;
  }
  const __m512 t_below = _mm512_load_ps(below), t_above = _mm512_load_ps(above);
  const __m512i t_low = _mm512_load_si512(low_field), t_high = _mm512_load_si512(high_field);
  // Any estimate (x - edge 0) / width will do: each lane's bin is checked against its edges below.
  // A constant run (width 0) gives NaN estimates, bin 10, which the check confirms.
  const float inverse_width = static_cast<float>(kBins) / (edges[kBins] - edges[0]);
  const __m512 scale = _mm512_set1_ps(inverse_width), offset = _mm512_set1_ps(edges[0] * inverse_width);
  const __m512i last = _mm512_set1_epi32(kBins), field_mask = _mm512_set1_epi32((1 << kFieldBits) - 1);
  __m512i wide[kBins];
  for (__m512i& w : wide) w = _mm512_setzero_si512();
  for (int64_t start = 0; start < n; start += 16 * kFlushVectors) {
    const int64_t end = n - start < 16 * kFlushVectors ? n : start + 16 * kFlushVectors;
    __m512i low = _mm512_setzero_si512(), high = _mm512_setzero_si512();
#pragma GCC unroll 2
    for (int64_t i = start; i < end; i += 16) {
      const __m512 v = _mm512_loadu_ps(x + i);
      // The bin estimated from the value's offset (NaN and out-of-range estimates clamp to 10 as
      // unsigned integers), kept where below[b] <= x < above[b], which makes it entropy_bin's
      // answer: the edges never decrease, so exactly edges 1..b are at or below x.
      __m512i b = _mm512_min_epu32(_mm512_cvttps_epi32(_mm512_fmsub_ps(v, scale, offset)), last);
      const __mmask16 ok = _mm512_mask_cmp_ps_mask(
          _mm512_cmp_ps_mask(v, _mm512_permutexvar_ps(b, t_below), _CMP_GE_OQ), v, _mm512_permutexvar_ps(b, t_above),
          _CMP_LT_OQ);
      if (ok != 0xFFFF) b = exact_bins(v, edges);
      low = _mm512_add_epi32(low, _mm512_permutexvar_epi32(b, t_low));
      high = _mm512_add_epi32(high, _mm512_permutexvar_epi32(b, t_high));
      for (int p = 0; p < pace && side < side_end; ++p, side += 16) add_lanes(side_lanes, _mm512_loadu_ps(side));
    }
    for (int f = 0; f < kBins / 2; ++f) {
      wide[f] = _mm512_add_epi32(wide[f], _mm512_and_si512(_mm512_srli_epi32(low, kFieldBits * f), field_mask));
      wide[f + kBins / 2] =
          _mm512_add_epi32(wide[f + kBins / 2], _mm512_and_si512(_mm512_srli_epi32(high, kFieldBits * f), field_mask));
    }
  }
  for (int b = 0; b < kBins; ++b) counts[b] += _mm512_reduce_add_epi32(wide[b]);
}

}  // namespace

void fg_bin_counts(const float* x, int64_t n, const float* edges, int64_t* counts, const float* side, int64_t side_n,
                   float* lo, float* hi, bool* nan) {
  // The vectors of `side` spread over the vectors of x: their loads (the pipeline's next wave, from
  // L3) overlap the counting of x (from L2), the rest after it.
  Lanes lanes{};
  const float* next = side;
  const float* const end = side + side_n;
  if (side_n > 0) {
    lanes = lanes_of(_mm512_loadu_ps(side));
    next += 16;
  }
  const int64_t side_vectors = (end - next) / 16, vectors = n / 16;
  const int pace =
      vectors == 0 ? 0 : static_cast<int>(std::min<int64_t>(kMaxPace, (side_vectors + vectors - 1) / vectors));
  for (int64_t begin = 0; begin < n; begin += 16 * kBlockVectors)
    bin_block(x + begin, n - begin < 16 * kBlockVectors ? n - begin : 16 * kBlockVectors, edges, counts, next, end,
              lanes, pace);
  for (; next < end; next += 16) add_lanes(lanes, _mm512_loadu_ps(next));
  if (side_n > 0) reduce_lanes(lanes, lo, hi, nan);
}

void fg_min_max(const float* x, int64_t n, float* lo, float* hi, bool* nan) {
  Lanes lanes = lanes_of(_mm512_loadu_ps(x));
  for (int64_t i = 16; i < n; i += 16) add_lanes(lanes, _mm512_loadu_ps(x + i));
  reduce_lanes(lanes, lo, hi, nan);
}

namespace {

// Lanes `lanes` of the ring at element i: every run's pre-graft vector is read before it is written,
// the predecessor's carried in a register.
inline void ring_vector(float* const* x, int n, int64_t i, __mmask16 lanes, const float* w) {
  __m512 prev = _mm512_maskz_loadu_ps(lanes, x[n - 1] + i);
  for (int k = 0; k < n; ++k) {
    const __m512 cur = _mm512_maskz_loadu_ps(lanes, x[k] + i);
    if (w[2 * k + 1] != 0.0f)
      _mm512_mask_storeu_ps(x[k] + i, lanes,
                            _mm512_add_ps(_mm512_mul_ps(cur, _mm512_set1_ps(w[2 * k])),
                                          _mm512_mul_ps(prev, _mm512_set1_ps(w[2 * k + 1]))));
    prev = cur;
  }
}

}  // namespace

void fg_blend_ring(float* const* x, int n, int64_t len, const float* w) {
  int64_t i = 0;
  for (; i + 16 <= len; i += 16) ring_vector(x, n, i, 0xFFFF, w);
  if (i < len) ring_vector(x, n, i, static_cast<__mmask16>((1u << (len - i)) - 1), w);
}

}  // namespace revive::kernels::cpu::avx512
