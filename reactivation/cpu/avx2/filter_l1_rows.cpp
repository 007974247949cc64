#include "reactivation/cpu/avx2/filter_l1_rows.h"

#include <immintrin.h>

#include <cstdint>

namespace revive::kernels::cpu::avx2 {
namespace {

// Lanes 0-7 of the 16 are one vector, lanes 8-15 the other. Masked-off lanes of the tail read as
// +0 without touching memory (vmaskmovps), and x + +0 == x as no lane is ever -0.
struct Lanes {
  __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
};

inline __attribute__((always_inline)) __m256 abs_ps(__m256 v, __m256 sign_off) { return _mm256_and_ps(v, sign_off); }

inline __attribute__((always_inline)) void add_block(Lanes& a, const float* q, __m256 sign_off) {
  a.lo = _mm256_add_ps(a.lo, abs_ps(_mm256_loadu_ps(q), sign_off));
  a.hi = _mm256_add_ps(a.hi, abs_ps(_mm256_loadu_ps(q + 8), sign_off));
}

// `rest` (1-15) floats at q. Lanes 8-15 take none when rest <= 8 (adding +0 would not change them),
// so q + 8 is formed only inside the filter.
inline __attribute__((always_inline)) void add_tail(Lanes& a, const float* q, int32_t rest, __m256i mask_lo,
                                                     __m256i mask_hi, __m256 sign_off) {
  a.lo = _mm256_add_ps(a.lo, abs_ps(_mm256_maskload_ps(q, mask_lo), sign_off));
  if (rest > 8) a.hi = _mm256_add_ps(a.hi, abs_ps(_mm256_maskload_ps(q + 8, mask_hi), sign_off));
}

// A hint for the line `ahead` floats past p, which may lie past the arena: the address is computed
// as an integer, as a pointer past the end of an array may not be formed.
inline __attribute__((always_inline)) void prefetch_ahead(const float* p, int64_t ahead) {
  _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(p) + 4 * static_cast<uintptr_t>(ahead)),
               _MM_HINT_T0);
}

// filter_norm_combine: w = 8, w = 4, then lanes 0 + 2 and 1 + 3, then their sum.
inline __attribute__((always_inline)) float combine(const Lanes& a) {
  const __m256 s8 = _mm256_add_ps(a.lo, a.hi);
  const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));  // [0 + 2, 1 + 3, ...]
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

}  // namespace

// Prefetch distance in floats (4 KiB). In the WE step the arena comes from the SGD step's writes,
// partly out of the caches, and prefetching shortens the norm pass there; distances from 512 to
// 4096 floats did equally well (benchmarks/RESULTS.md, "Weight Evolution step").
constexpr int64_t kAhead = 1024;

void filter_l1_rows(const float* p, int64_t n, int32_t len, float divisor, float* l1, float* importance) {
  const __m256 sign_off = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const int32_t full = len / 16 * 16, rest = len - full;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask_lo = _mm256_cmpgt_epi32(_mm256_set1_epi32(rest), lane);
  const __m256i mask_hi = _mm256_cmpgt_epi32(_mm256_set1_epi32(rest - 8), lane);
  // Two filters at a time: each lane's sum is a chain of dependent adds, so one filter alone keeps
  // the adders waiting, and the second filter's work also hides the first one's tail and combine.
  int64_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const float* a_p = p + i * len;
    const float* b_p = a_p + len;
    Lanes a, b;
    prefetch_ahead(a_p, kAhead);
    prefetch_ahead(b_p, kAhead);
    for (int32_t e = 0; e < full; e += 16) {
      prefetch_ahead(a_p + e, kAhead);
      prefetch_ahead(b_p + e, kAhead);
      add_block(a, a_p + e, sign_off);
      add_block(b, b_p + e, sign_off);
    }
    if (rest) {
      add_tail(a, a_p + full, rest, mask_lo, mask_hi, sign_off);
      add_tail(b, b_p + full, rest, mask_lo, mask_hi, sign_off);
    }
    l1[i] = combine(a);
    l1[i + 1] = combine(b);
  }
  if (i < n) {
    const float* a_p = p + i * len;
    Lanes a;
    for (int32_t e = 0; e < full; e += 16) add_block(a, a_p + e, sign_off);
    if (rest) add_tail(a, a_p + full, rest, mask_lo, mask_hi, sign_off);
    l1[i] = combine(a);
  }
  // A division, not a product with the reciprocal: the CUDA path divides too.
  const __m256 d = _mm256_set1_ps(divisor);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(importance + j, _mm256_div_ps(_mm256_loadu_ps(l1 + j), d));
  for (; j < n; ++j) importance[j] = l1[j] / divisor;
}

}  // namespace revive::kernels::cpu::avx2
