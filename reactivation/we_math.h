// Per-element math of Weight Evolution (spec reactivation.md 1.3-1.6), REVIVE_HD so a CUDA kernel
// runs exactly these lines (compiled without FMA contraction to give the same bits). A blend whose
// denominator is zero, or whose result would not be finite, reports why instead of writing (spec
// "Decisions" 1: never NaN or Inf, skipped and counted).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/hd.h"

namespace revive {

REVIVE_HD uint32_t float_bits(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

REVIVE_HD bool is_finite_float(float x) { return (float_bits(x) & 0x7f800000u) != 0x7f800000u; }

// A total order on |x| as an unsigned integer: the bits of |x| compare like the values for
// +0 < denormals < normals < +Inf, and every NaN sorts above +Inf, as torch.sort puts NaN last.
// Used for every importance comparison (global threshold, per-layer order) and for argmax/argmin
// |w| inside slices, so both backends agree even on NaN weights (spec "Decisions" 2).
REVIVE_HD uint32_t magnitude_key(float x) { return float_bits(x) & 0x7fffffffu; }

// Per-layer order of spec 1.4/1.5: importance descending, equal importances by ascending index
// ("Decisions" 2). Sorting these keys ascending gives that order; they are unique within a layer.
REVIVE_HD uint64_t descending_order_key(uint32_t key, uint32_t index) {
  return (static_cast<uint64_t>(0xffffffffu - key) << 32) | index;
}
REVIVE_HD uint32_t order_key_index(uint64_t order_key) { return static_cast<uint32_t>(order_key & 0xffffffffu); }

enum class BlendStatus : uint8_t { kWritten = 0, kZeroDenominator = 1, kNonFinite = 2 };

struct BlendResult {
  float value;
  BlendStatus status;
};

// Blends compute in float, as the reference code does (float32 tensors), and are branch-free so
// that loops of them vectorise: a zero denominator gives IEEE NaN or Inf, which the status discards
// (any guard before the division makes GCC keep a branch, as it may trap). A zero denominator takes
// precedence over a non-finite value.
REVIVE_HD BlendResult blend_finish(float value, bool zero_denominator) {
  // Bit operations rather than ?: chains, which compilers turn into branches around the division.
  const int zero = zero_denominator, non_finite = !is_finite_float(value);
  return {value, static_cast<BlendStatus>(zero | ((non_finite & (zero ^ 1)) << 1))};
}

// x_inferior <- alpha*x_inferior + (1-alpha)*x_dominant with a given alpha: paper Eq. 5 with fixed
// alpha (Fig. 6), and the filter-level blend of spec 1.6a once alpha is known.
REVIVE_HD BlendResult we_blend_fixed(float inferior, float dominant, float alpha) {
  return blend_finish(alpha * inferior + (1.0f - alpha) * dominant, false);
}

// Paper Eq. 5-6 (spec 1.6b, 1.6c): alpha = |m| / (|m| + |l|), m <- alpha*m + (1-alpha)*l.
REVIVE_HD BlendResult we_blend_adaptive(float m, float l) {
  const float den = fabsf(m) + fabsf(l);
  const float alpha = fabsf(m) / den;
  return blend_finish(alpha * m + (1.0f - alpha) * l, den == 0.0f);
}

// Reference code (spec 1.6b): alpha' = m / (m + l) (signed), new = alpha'*l + (1-alpha')*m, which
// is 2ml/(m+l). |m + l| <= eps counts as a zero denominator (eps = 0: only m = -l exactly; the
// spec's "< eps" would never skip an exact zero at eps = 0).
REVIVE_HD BlendResult we_blend_harmonic(float m, float l, float eps) {
  const float den = m + l;
  const float alpha = m / den;
  return blend_finish(alpha * l + (1.0f - alpha) * m, fabsf(den) <= eps);
}

// Filter-level alpha of spec 1.6a: ||W[i]||_1 / (||W[i]||_1 + ||W[d]||_1) from the plain L1 sums.
struct AlphaResult {
  float alpha;
  BlendStatus status;  // kZeroDenominator when both filters are all zero, kNonFinite for Inf/NaN sums
};

REVIVE_HD AlphaResult we_filter_alpha(float l1_inferior, float l1_dominant) {
  const float den = l1_inferior + l1_dominant;
  if (den == 0.0f) return {0.0f, BlendStatus::kZeroDenominator};
  const float alpha = l1_inferior / den;
  if (!(alpha >= 0.0f && alpha <= 1.0f)) return {0.0f, BlendStatus::kNonFinite};
  return {alpha, BlendStatus::kWritten};
}

}  // namespace revive
