#include "kernels/cpu/avx512/batch_norm_planes.h"

#include <immintrin.h>

namespace revive::kernels::cpu::avx512 {
namespace {

constexpr int64_t kRun = 32;  // as batch_norm.cpp's reduce_channels

// relu_value: x < 0 ? 0 : x; relu6_value: x < 0 ? 0 : (x > 6 ? 6 : x). Ordered comparisons: NaN
// passes through, as in the scalar code.
inline __m512 activate(int act, __m512 x) {
  if (act == 0) return x;
  const __m512 zero = _mm512_setzero_ps();
  __m512 y = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, zero, _CMP_LT_OQ), x, zero);
  if (act == 2) {
    const __m512 six = _mm512_set1_ps(6.0f);
    y = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(y, six, _CMP_GT_OQ), y, six);
  }
  return y;
}

// relu_grad: pre > 0 ? dy : 0; relu6_grad: pre > 0 && pre < 6 ? dy : 0, pre = ms m + md.
inline __m512 masked(__m512 dy, const PlaneMask& k, __m512 ms, __m512 md, int64_t i) {
  if (k.act == 0) return dy;
  const __m512 pre = _mm512_add_ps(_mm512_mul_ps(ms, _mm512_loadu_ps(k.m + i * 16)), md);
  __mmask16 pass = _mm512_cmp_ps_mask(pre, _mm512_setzero_ps(), _CMP_GT_OQ);
  if (k.act == 2) pass &= _mm512_cmp_ps_mask(pre, _mm512_set1_ps(6.0f), _CMP_LT_OQ);
  return _mm512_maskz_mov_ps(pass, dy);
}

__m512 load_or_zero(const float* p) { return p != nullptr ? _mm512_loadu_ps(p) : _mm512_setzero_ps(); }

// Through memory: GCC 12 warns that the intrinsics which widen a half vector read an uninitialised
// register.
void add_to_doubles(double* p, __m512 v) {
  alignas(64) float f[16];
  _mm512_store_ps(f, v);
  for (int j = 0; j < 16; ++j) p[j] += static_cast<double>(f[j]);
}

}  // namespace

void bn_reduce_plane16(double* p1, double* p2, const float* u, const float* v, const float* su, const float* sv,
                       int64_t HW, const PlaneMask& mask) {
  const __m512 mu = _mm512_loadu_ps(su), mv = _mm512_loadu_ps(sv);
  const __m512 ms = load_or_zero(mask.ms), md = load_or_zero(mask.md);
  for (int64_t i0 = 0; i0 < HW; i0 += kRun) {
    const int64_t i1 = i0 + kRun < HW ? i0 + kRun : HW;
    __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
    for (int64_t i = i0; i < i1; ++i) {
      const __m512 du = _mm512_sub_ps(masked(_mm512_loadu_ps(u + i * 16), mask, ms, md, i), mu);
      a = _mm512_add_ps(a, du);
      b = _mm512_add_ps(b, _mm512_mul_ps(du, _mm512_sub_ps(_mm512_loadu_ps(v + i * 16), mv)));
    }
    add_to_doubles(p1, a);
    add_to_doubles(p2, b);
  }
}

void bn_combine_plane16(float* out, const float* u, const float* v, const float* a, const float* b, const float* d,
                        int64_t HW, int out_act, const PlaneMask& mask) {
  const __m512 va = _mm512_loadu_ps(a), vd = _mm512_loadu_ps(d);
  const __m512 ms = load_or_zero(mask.ms), md = load_or_zero(mask.md);
  if (v == nullptr) {
    for (int64_t i = 0; i < HW; ++i) {
      const __m512 x = masked(_mm512_loadu_ps(u + i * 16), mask, ms, md, i);
      _mm512_storeu_ps(out + i * 16, activate(out_act, _mm512_add_ps(_mm512_mul_ps(va, x), vd)));
    }
    return;
  }
  const __m512 vb = _mm512_loadu_ps(b);
  for (int64_t i = 0; i < HW; ++i) {
    const __m512 x = masked(_mm512_loadu_ps(u + i * 16), mask, ms, md, i);
    const __m512 t = _mm512_add_ps(_mm512_mul_ps(va, x), _mm512_mul_ps(vb, _mm512_loadu_ps(v + i * 16)));
    _mm512_storeu_ps(out + i * 16, activate(out_act, _mm512_add_ps(t, vd)));
  }
}

}  // namespace revive::kernels::cpu::avx512
