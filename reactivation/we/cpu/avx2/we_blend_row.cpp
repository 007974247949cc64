#include "reactivation/we/cpu/avx2/we_blend_row.h"

#include <immintrin.h>

namespace revive::kernels::cpu::avx2 {
namespace {

struct Blended {
  __m256 value;
  __m256 zero;  // lanes whose denominator counts as zero
};

inline __attribute__((always_inline)) __m256 abs_ps(__m256 v) {
  return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
}

// Eight lanes at a time, then the last n % 8 through masked loads and stores (masked-off lanes are
// neither read nor written, and their results are left out of the counts).
template <class Blend>
inline __attribute__((always_inline)) void blend_row(float* inferior, const float* dominant, int32_t n,
                                                     const Blend& blend, int64_t* counts) {
  const __m256i exponent = _mm256_set1_epi32(0x7f800000);
  int64_t written = 0, zero = 0;
  const auto step = [&](__m256 m, __m256 l, __m256 active) {
    const Blended b = blend(m, l);
    // Finite iff the exponent bits are not all set (we_math.h is_finite_float).
    const __m256i bits = _mm256_castps_si256(b.value);
    const __m256 non_finite =
        _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(bits, exponent), exponent));
    const __m256 ok = _mm256_andnot_ps(_mm256_or_ps(b.zero, non_finite), active);
    written += __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(ok)));
    zero += __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_and_ps(b.zero, active))));
    return _mm256_blendv_ps(m, b.value, ok);
  };
  const __m256 all = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  int32_t e = 0;
  for (; e + 8 <= n; e += 8)
    _mm256_storeu_ps(inferior + e, step(_mm256_loadu_ps(inferior + e), _mm256_loadu_ps(dominant + e), all));
  if (e < n) {
    const __m256i mask =
        _mm256_cmpgt_epi32(_mm256_set1_epi32(n - e), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256 m = _mm256_maskload_ps(inferior + e, mask), l = _mm256_maskload_ps(dominant + e, mask);
    _mm256_maskstore_ps(inferior + e, mask, step(m, l, _mm256_castsi256_ps(mask)));
  }
  counts[0] += written;
  counts[1] += zero;
  counts[2] += n - written - zero;
}

}  // namespace

void blend_adaptive_row(float* inferior, const float* dominant, int32_t n, int64_t* counts) {
  const __m256 one = _mm256_set1_ps(1.0f);
  blend_row(inferior, dominant, n, [&](__m256 m, __m256 l) {
    const __m256 den = _mm256_add_ps(abs_ps(m), abs_ps(l));
    const __m256 alpha = _mm256_div_ps(abs_ps(m), den);
    const __m256 v = _mm256_add_ps(_mm256_mul_ps(alpha, m), _mm256_mul_ps(_mm256_sub_ps(one, alpha), l));
    return Blended{v, _mm256_cmp_ps(den, _mm256_setzero_ps(), _CMP_EQ_OQ)};
  }, counts);
}

void blend_harmonic_row(float* inferior, const float* dominant, int32_t n, float eps, int64_t* counts) {
  const __m256 one = _mm256_set1_ps(1.0f), limit = _mm256_set1_ps(eps);
  blend_row(inferior, dominant, n, [&](__m256 m, __m256 l) {
    const __m256 den = _mm256_add_ps(m, l);
    const __m256 alpha = _mm256_div_ps(m, den);
    const __m256 v = _mm256_add_ps(_mm256_mul_ps(alpha, l), _mm256_mul_ps(_mm256_sub_ps(one, alpha), m));
    return Blended{v, _mm256_cmp_ps(abs_ps(den), limit, _CMP_LE_OQ)};
  }, counts);
}

void blend_fixed_row(float* inferior, const float* dominant, int32_t n, float alpha, int64_t* counts) {
  const __m256 a = _mm256_set1_ps(alpha), b = _mm256_set1_ps(1.0f - alpha);
  blend_row(inferior, dominant, n, [&](__m256 m, __m256 l) {
    return Blended{_mm256_add_ps(_mm256_mul_ps(a, m), _mm256_mul_ps(b, l)), _mm256_setzero_ps()};
  }, counts);
}

}  // namespace revive::kernels::cpu::avx2
