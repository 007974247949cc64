// Per-element and per-layer math of Weight Evolution (docs/weight-evolution.md §1.3 to §1.6), REVIVE_HD so a
// CUDA kernel runs exactly these lines (compiled without FMA contraction to give the same bits). A blend whose
// denominator is zero, or whose result would not be finite, reports why instead of writing
// (docs/reactivation.md §0.1: never NaN or Inf, skipped and counted).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/hd.h"
#include "reactivation/order_keys.h"
#include "reactivation/we/we_enums.h"

namespace revive {

// Relative importance (§1.4): an entry is within lambda iff importance <= lambda * max
// (or < when not inclusive), the max taken over the layer or over the entry's group. The product is
// float, as the reference code's float32 tensor times a Python scalar; NaN compares false.
REVIVE_HD float we_ri_limit(float lambda, uint32_t max_key) { return lambda * bits_float(max_key); }
REVIVE_HD bool we_ri_within(float importance, float limit, bool inclusive) {
  return inclusive ? importance <= limit : importance < limit;
}
// With one group, the entries within lambda are exactly those whose key is below this bound; with
// several groups (or a non-finite limit) no bound is known: 2^32 bounds nothing.
REVIVE_HD uint64_t we_ri_bound(float limit, bool inclusive, int32_t n_groups) {
  return n_groups == 1 && is_finite_float(limit) ? magnitude_key(limit) + uint64_t{inclusive} : uint64_t{1} << 32;
}

// The local selection of one layer (§1.4; §1.10 for WE-G / WE-L).
struct WeLayerSelection {
  int32_t n_filters = 0;
  int32_t n_tbd = 0;          // below the global threshold
  int32_t n_ri = 0;           // relative importance within lambda (after the fallback)
  int32_t n_inferior = 0;     // c
  int32_t n_pairs = 0;        // min(c, N - c) (§1.5)
  bool fallback_forced = false;
  // Every inferior entry has magnitude_key < inferior_bound (the global threshold, or the RI
  // limit for WE-L), so matching looks for them among few candidates; 2^32 bounds nothing.
  uint64_t inferior_bound = uint64_t{1} << 32;
};

// With both selections the RI test and the fallback run only in layers with candidates
// (we.py:190-205); WE-L runs them in every layer; WE-G never (§1.10).
REVIVE_HD bool we_selection_is_local(WeSelection selection, int32_t n_tbd) {
  return selection == WeSelection::kLocalOnly || (selection == WeSelection::kBoth && n_tbd > 0);
}

// The rest of a layer's selection once its counts are known: n_tbd (0 for WE-L), and, when
// we_selection_is_local, the entries within lambda (n_ri) and their bound. Applies the fallback of
// §1.4, the fallback: `fallback_period` is (#conv layers)/ln_c, or <= 0 for none; `fallback_counter` is
// the pool's counter, which persists across layers and epochs, so layers must come in module order.
REVIVE_HD WeLayerSelection we_finish_layer_selection(int32_t n, int32_t n_tbd, int32_t n_ri, uint64_t ri_bound,
                                                     uint64_t threshold_key, WeSelection selection,
                                                     double fallback_period, int64_t* fallback_counter) {
  WeLayerSelection s;
  s.n_filters = n;
  s.n_tbd = n_tbd;
  if (we_selection_is_local(selection, n_tbd)) {
    s.n_ri = n_ri;
    if (fallback_period > 0) {
      if (s.n_ri == 0) {
        if (++*fallback_counter >= fallback_period) {
          s.n_ri = 1;
          s.fallback_forced = true;
          ri_bound = uint64_t{1} << 32;
          *fallback_counter = 0;
        }
      } else {
        *fallback_counter = 0;
      }
    }
  } else {
    ri_bound = uint64_t{1} << 32;
  }
  // The c smallest entries are all below the bound of whichever count c came from.
  switch (selection) {
    case WeSelection::kBoth:
      s.n_inferior = s.n_tbd > 0 ? (s.n_ri < s.n_tbd ? s.n_ri : s.n_tbd) : 0;
      s.inferior_bound = threshold_key;
      break;
    case WeSelection::kGlobalOnly:
      s.n_inferior = s.n_tbd;
      s.inferior_bound = threshold_key;
      break;
    case WeSelection::kLocalOnly:
      s.n_inferior = s.n_ri;
      s.inferior_bound = ri_bound;
      break;
  }
  s.n_pairs = s.n_inferior < n - s.n_inferior ? s.n_inferior : n - s.n_inferior;
  return s;
}

// True when a layer's pairs use the filter-level blend of §1.6a rather than the element
// crossover (only conv layers have either).
REVIVE_HD bool we_filter_level(bool conv, int32_t n_slices, int32_t kernel_h, WeLevel level,
                                WeFilterLevelBlend blend) {
  if (!conv) return false;
  if (level == WeLevel::kFilter) return true;
  switch (blend) {
    case WeFilterLevelBlend::kNone: return false;
    case WeFilterLevelBlend::kKernel1x1: return kernel_h == 1;
    case WeFilterLevelBlend::kDepthwise: return n_slices == 1;
  }
  return false;
}

enum class BlendStatus : int32_t { kWritten = 0, kZeroDenominator = 1, kNonFinite = 2 };

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
// alpha (Fig. 6), and the filter-level blend of §1.6a once alpha is known.
REVIVE_HD BlendResult we_blend_fixed(float inferior, float dominant, float alpha) {
  return blend_finish(alpha * inferior + (1.0f - alpha) * dominant, false);
}

// Paper Eq. 5-6 (§1.6b, §1.6c): alpha = |m| / (|m| + |l|), m <- alpha*m + (1-alpha)*l.
REVIVE_HD BlendResult we_blend_adaptive(float m, float l) {
  const float den = fabsf(m) + fabsf(l);
  const float alpha = fabsf(m) / den;
  return blend_finish(alpha * m + (1.0f - alpha) * l, den == 0.0f);
}

// Reference code (§1.6b): alpha' = m / (m + l) (signed), new = alpha'*l + (1-alpha')*m, which
// is 2ml/(m+l). |m + l| <= eps counts as a zero denominator (eps = 0: only m = -l exactly; a
// "< eps" test would never skip an exact zero at eps = 0).
REVIVE_HD BlendResult we_blend_harmonic(float m, float l, float eps) {
  const float den = m + l;
  const float alpha = m / den;
  return blend_finish(alpha * l + (1.0f - alpha) * m, fabsf(den) <= eps);
}

// Filter-level alpha of §1.6a: ||W[i]||_1 / (||W[i]||_1 + ||W[d]||_1) from the plain L1 sums.
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

// The options the crossover's arithmetic depends on (from WeOptions: we_blend_params).
struct WeBlendParams {
  WeCrossover crossover = WeCrossover::kPaper;
  bool alpha_fixed = false;
  float alpha = 0.5f;         // when alpha_fixed
  float harmonic_eps = 0.0f;  // reference crossover
};

// Element blend of §1.6b, §1.6c for one (m, l) pair: paper Eq. 5-6, or Eq. 5 with a fixed alpha.
REVIVE_HD BlendResult we_blend_paper(float m, float l, const WeBlendParams& p) {
  return p.alpha_fixed ? we_blend_fixed(m, l, p.alpha) : we_blend_adaptive(m, l);
}

// Writes a successful blend; counts[0] written elements, [1] zero denominators, [2] non-finite.
template <class Count>
REVIVE_HD void we_record(const BlendResult& r, float* dst, Count* counts) {
  switch (r.status) {
    case BlendStatus::kWritten:
      *dst = r.value;
      ++counts[0];
      break;
    case BlendStatus::kZeroDenominator: ++counts[1]; break;
    case BlendStatus::kNonFinite: ++counts[2]; break;
  }
}

// The element crossover of one slice (§1.6b): l = the element of the dominant slice `d` with
// max |.|, m = the element of the inferior slice `m` with min |.|, the first in row-major order on
// ties (§0.2); m <- paper blend at the argmin, or the reference harmonic 2ml/(m+l) written
// to every element equal to m. Counts as we_record.
template <class Count>
REVIVE_HD void we_crossover_slice(float* m, const float* d, int32_t len, const WeBlendParams& p, Count* counts) {
  // Strict comparisons keep the first index; the selects compile to conditional moves on the CPU
  // (the comparisons are unpredictable).
  int32_t arg_l = 0, arg_m = 0;
  uint32_t key_l = magnitude_bits(d[0]), key_m = magnitude_bits(m[0]);
  for (int32_t e = 1; e < len; ++e) {
    const uint32_t kd = magnitude_bits(d[e]), km = magnitude_bits(m[e]);
    const bool larger = kd > key_l, smaller = km < key_m;
    key_l = larger ? kd : key_l;
    arg_l = larger ? e : arg_l;
    key_m = smaller ? km : key_m;
    arg_m = smaller ? e : arg_m;
  }
  const float mv = m[arg_m], lv = d[arg_l];
  if (p.crossover == WeCrossover::kPaper) {
    we_record(we_blend_paper(mv, lv, p), m + arg_m, counts);
    return;
  }
  const BlendResult r = we_blend_harmonic(mv, lv, p.harmonic_eps);
  if (r.status != BlendStatus::kWritten) {
    ++counts[r.status == BlendStatus::kZeroDenominator ? 1 : 2];
    return;
  }
  // we.py:233-234 writes every element equal to m (float ==, so -0 == +0 as in torch).
  // Branch-free: which elements match is unpredictable.
  for (int32_t e = 0; e < len; ++e) {
    const bool equal = m[e] == mv;
    m[e] = equal ? r.value : m[e];
    counts[0] += equal;
  }
}

}  // namespace revive
