// Per-kernel math of Kernel Reactivation (§3.2), REVIVE_HD so that the CUDA
// kernels run exactly these lines (compiled without FMA contraction, they give the CPU's bits).
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "reactivation/kr/kr_enums.h"
#include "reactivation/order_keys.h"

namespace revive {

// The count of a fraction of n items (§3.2; rounding, 3.3.4): fraction * n in double, as
// Python's int(n * fraction) floors it, or its ceiling, or rounded half up; within [0, n].
REVIVE_HD int64_t kr_count(double fraction, int64_t n, KrRounding rounding) {
  const double x = fraction * static_cast<double>(n);
  double c = rounding == KrRounding::kFloor ? floor(x) : rounding == KrRounding::kCeil ? ceil(x) : floor(x + 0.5);
  if (!(c >= 0.0)) c = 0.0;
  if (c > static_cast<double>(n)) c = static_cast<double>(n);
  return static_cast<int64_t>(c);
}

// C3's count for an invalid filter of n_kernels kernels: the best kernel is never selected, so
// at most n_kernels - 1 (§3.2), and 0 for a filter of one kernel (a depthwise filter, 3.3.3).
REVIVE_HD int32_t kr_kernel_count(double gamma, int32_t n_kernels, KrRounding rounding) {
  const int64_t c = kr_count(gamma, n_kernels, rounding);
  return static_cast<int32_t>(c < n_kernels - 1 ? c : n_kernels - 1);
}

// The order key of every KR selection (§3.2, §0.2): the value's magnitude key, then
// the index (C1: filter id in the table; C2: index in the layer; C3: kernel index in the filter).
// Unique, so the k smallest keys are the first k of the stable ascending sort.
REVIVE_HD uint64_t kr_order_key(float value, int32_t index) {
  return ascending_order_key(magnitude_key(value), static_cast<uint32_t>(index));
}

// A kernel's L1 norm kappa: |w| summed over its len elements in increasing order from +0. The
// order is part of the definition: both backends sum alike, so they select the same kernels.
REVIVE_HD float kr_kernel_l1(const float* w, int32_t len) {
  float s = 0.0f;
  for (int32_t e = 0; e < len; ++e) s += fabsf(w[e]);
  return s;
}

// The best kernel of a filter: the first of the largest kappa (magnitude_key: NaN is largest).
REVIVE_HD int32_t kr_best_kernel(const float* kappa, int32_t n_kernels) {
  int32_t best = 0;
  uint32_t best_key = magnitude_key(kappa[0]);
  for (int32_t c = 1; c < n_kernels; ++c) {
    const uint32_t key = magnitude_key(kappa[c]);
    if (key > best_key) {
      best_key = key;
      best = c;
    }
  }
  return best;
}

enum class KrRescaleStatus : int32_t { kRescaled = 0, kZeroNorm = 1, kNonFinite = 2 };

struct KrRescale {
  float factor;
  KrRescaleStatus status;
};

// A best kernel's L1 up to which every rescaled weight stays finite: |w R| <= kappa_b (1 + 2^-24)^2
// (|w| <= kappa_n, as a float sum of magnitudes is at least each of them), below FLT_MAX here.
constexpr float kKrMaxBestL1 = 0x1.fffffep126f;  // FLT_MAX / 2

// R = kappa_b / kappa_n (§3.2), in float. Never NaN or Inf (§0.1): a zero kernel has
// no direction to keep and is skipped; a factor or best norm that is not finite (a tiny kernel
// beside a large one, diverged weights) is skipped too. Both are counted.
// Branch-free, so that a loop over 1x1 kernels vectorises: a zero norm gives an IEEE Inf or NaN
// factor, which the status discards (a zero norm takes precedence over a non-finite factor).
REVIVE_HD KrRescale kr_rescale_factor(float best_l1, float kernel_l1) {
  const float r = best_l1 / kernel_l1;
  const int zero = kernel_l1 == 0.0f;
  const int non_finite = !(is_finite_float(r) & (best_l1 <= kKrMaxBestL1));
  return {r, static_cast<KrRescaleStatus>(zero | ((non_finite & (zero ^ 1)) << 1))};
}

// W[f, n] <- R W[f, n] for the len weights of kernel n (signs and in-kernel ratios kept) when the
// factor is defined; counts[0] += rescaled, counts[1] += skipped for a zero norm, counts[2] +=
// skipped for a non-finite factor.
template <class Count>
REVIVE_HD void kr_rescale_kernel(float* w, int32_t len, float best_l1, float kernel_l1, Count* counts) {
  const KrRescale r = kr_rescale_factor(best_l1, kernel_l1);
  ++counts[static_cast<int32_t>(r.status)];
  if (r.status != KrRescaleStatus::kRescaled) return;
  for (int32_t e = 0; e < len; ++e) w[e] *= r.factor;
}

}  // namespace revive
