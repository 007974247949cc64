#include "reactivation/fg/cpu/avx2/fg_rows_avx2.h"

#include <immintrin.h>

namespace revive::kernels::cpu::avx2 {

namespace {
constexpr int kEdges = 11;
// Vectors per flush of the 32-bit lane counters (far below 2^31 per lane).
constexpr int64_t kFlushVectors = int64_t{1} << 24;


// at_or_above[j] for `count` edges from edge `first` in one pass. With up to six accumulators and
// their edges in registers nothing is spilled (with all eleven, GCC kept five accumulators on the
// stack, a load and a store each per vector), so the counts take two passes over the run, the
// second from the cache.
template <int count>
void edge_pass(const float* x, int64_t n, const float* edges, int64_t* at_or_above) {
  __m256 e[count];
  for (int j = 0; j < count; ++j) e[j] = _mm256_set1_ps(edges[j]);
  for (int64_t begin = 0; begin < n; begin += 8 * kFlushVectors) {
    const int64_t end = n - begin < 8 * kFlushVectors ? n : begin + 8 * kFlushVectors;
    __m256i acc[count];
    for (int j = 0; j < count; ++j) acc[j] = _mm256_setzero_si256();
    for (int64_t i = begin; i < end; i += 8) {
      const __m256 v = _mm256_loadu_ps(x + i);
      // A true compare is all ones, -1 as an integer: subtracting it counts one.
      for (int j = 0; j < count; ++j)
        acc[j] = _mm256_sub_epi32(acc[j], _mm256_castps_si256(_mm256_cmp_ps(v, e[j], _CMP_GE_OQ)));
    }
    for (int j = 0; j < count; ++j) {
      alignas(32) int32_t lanes[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc[j]);
      for (int l = 0; l < 8; ++l) at_or_above[j] += lanes[l];
    }
  }
}

}  // namespace

void fg_edge_counts(const float* x, int64_t n, const float* edges, int64_t* at_or_above) {
  edge_pass<6>(x, n, edges, at_or_above);
  edge_pass<kEdges - 6>(x, n, edges + 6, at_or_above + 6);
}

void fg_min_max(const float* x, int64_t n, float* lo, float* hi, bool* nan) {
  __m256 l = _mm256_loadu_ps(x), h = l, bad = _mm256_cmp_ps(l, l, _CMP_UNORD_Q);
  for (int64_t i = 8; i < n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    l = _mm256_min_ps(l, v);
    h = _mm256_max_ps(h, v);
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  alignas(32) float ls[8], hs[8];
  _mm256_store_ps(ls, l);
  _mm256_store_ps(hs, h);
  *lo = ls[0];
  *hi = hs[0];
  for (int k = 1; k < 8; ++k) {
    *lo = ls[k] < *lo ? ls[k] : *lo;
    *hi = hs[k] > *hi ? hs[k] : *hi;
  }
  *nan = _mm256_movemask_ps(bad) != 0;
}

}  // namespace revive::kernels::cpu::avx2
