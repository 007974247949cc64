// kr_reference_step: §3.2, step by step. Values are compared through
// magnitude_key (order_keys.h): NaN sorts last, and std::stable_sort keeps equal values in index
// order (§0.2).
#include "reactivation/kr/reference.h"

#include <algorithm>
#include <cmath>

#include "reactivation/kr/kr_math.h"
#include "reactivation/order_keys.h"
#include "reactivation/step_clock.h"

namespace revive {
namespace {

// Sorts ids ascending by magnitude_key(value[id]), equal values in the ids' order.
void stable_sort_by(std::vector<int32_t>& ids, const std::vector<float>& value) {
  std::stable_sort(ids.begin(), ids.end(),
                   [&](int32_t a, int32_t b) { return magnitude_key(value[a]) < magnitude_key(value[b]); });
}

}  // namespace

KrReport kr_reference_step(const FilterTable& table, float* arena, int64_t arena_numel, const KrOptions& o,
                           const ReactivationContext& ctx, KrState& state, KrSelection* selection) {
  StepClock clock;
  KrReport report = kr_plan_step(table, arena, arena_numel, o, ctx, state);
  const FilterTableLayers& L = table.layers();
  const FilterTableFilters& F = table.filters();

  // Norms of every conv filter (§3.2): L_j and the average L1 a_j of C1.
  std::vector<float> l1(static_cast<size_t>(table.n_filters())), average(l1.size());
  int64_t n_conv = 0;
  std::array<int64_t, kDeadFilterThresholds.size()> n_below{};
  for (int l = 0; l < table.n_layers(); ++l) {
    if (L.kind[l] != ReactivatableKind::kConvWeight) continue;
    for (int32_t f = L.first_filter[l]; f < L.first_filter[l + 1]; ++f) {
      // L_j, the paper's sum of the kernels' norms, in the order the methods share (filter_norms.h).
      l1[f] = filter_norm_l1_plain(arena + F.offset[f], L.filter_len[l]);
      average[f] = l1[f] / kr_average_l1_divisor(table, l, o);
      // The dead-filter fractions use WE's average L1, L_j / I_g, whatever C1's divisor.
      ++n_conv;
      for (size_t i = 0; i < n_below.size(); ++i) n_below[i] += (l1[f] / L.divisor[l]) < kDeadFilterThresholds[i];
    }
  }
  for (size_t i = 0; i < n_below.size(); ++i)
    report.conv_fraction_below[i] = n_conv ? static_cast<double>(n_below[i]) / static_cast<double>(n_conv) : 0.0;

  if (report.applied) {
    // C1 (model level): the filters taking part, sorted ascending by average L1; S1 = the first
    // floor(alpha N) (or those below alpha with alpha_mode = l1_threshold).
    std::vector<int32_t> pool;
    for (int l = 0; l < table.n_layers(); ++l)
      if (kr_layer_takes_part(table, l, o))
        for (int32_t f = L.first_filter[l]; f < L.first_filter[l + 1]; ++f) pool.push_back(f);
    std::vector<bool> in_s1(l1.size(), false), in_s2(l1.size(), false);
    if (o.alpha_mode == KrAlphaMode::kFraction) {
      stable_sort_by(pool, average);
      const int64_t n_s1 = kr_c1_rank(o, static_cast<int64_t>(pool.size()));
      for (int64_t i = 0; i < n_s1; ++i) in_s1[pool[static_cast<size_t>(i)]] = true;
    } else {
      for (int32_t f : pool) in_s1[f] = static_cast<double>(average[f]) < o.alpha;  // NaN: false
    }
    // C2 (layer level): each layer's filters sorted ascending by L1; S2 = the first floor(beta O).
    for (int l = 0; l < table.n_layers(); ++l) {
      if (!kr_layer_takes_part(table, l, o)) continue;
      std::vector<int32_t> layer;
      for (int32_t f = L.first_filter[l]; f < L.first_filter[l + 1]; ++f) layer.push_back(f);
      stable_sort_by(layer, l1);
      const int64_t n_s2 = kr_count(o.beta, L.n_filters[l], o.rounding);
      for (int64_t i = 0; i < n_s2; ++i) in_s2[layer[static_cast<size_t>(i)]] = true;
    }
    // F = S1 n S2; C3 (kernel level) and the rescale in each invalid filter.
    for (int l = 0; l < table.n_layers(); ++l) {
      for (int32_t f = L.first_filter[l]; f < L.first_filter[l + 1]; ++f) {
        report.c1_filters += in_s1[f];
        report.c2_filters += in_s2[f];
        if (!in_s1[f] || !in_s2[f]) continue;
        ++report.invalid_filters;
        if (selection) selection->invalid_filters.push_back(f);
        // The kernels' norms kappa, and the best kernel b, before any rescaling.
        const int32_t n_kernels = L.n_slices[l], len = L.slice_len[l];
        float* w = arena + F.offset[f];
        std::vector<float> kappa(static_cast<size_t>(n_kernels));
        for (int32_t c = 0; c < n_kernels; ++c) kappa[c] = kr_kernel_l1(w + static_cast<int64_t>(c) * len, len);
        const int32_t best = kr_best_kernel(kappa.data(), n_kernels);
        // The other kernels sorted ascending by kappa; the first floor(gamma I_g) are invalid (b
        // never is: at most I_g - 1).
        std::vector<int32_t> others;
        for (int32_t c = 0; c < n_kernels; ++c)
          if (c != best) others.push_back(c);
        stable_sort_by(others, kappa);
        const int32_t n_invalid = kr_kernel_count(report.gamma, n_kernels, o.rounding);
        for (int32_t i = 0; i < n_invalid; ++i) {
          const int32_t c = others[static_cast<size_t>(i)];
          ++report.invalid_kernels;
          if (selection) selection->invalid_kernels.emplace_back(f, c);
          // R = kappa_b / kappa_n: the kernel's L1 becomes the best kernel's (§3.2).
          int64_t counts[3] = {};
          kr_rescale_kernel(w + static_cast<int64_t>(c) * len, len, kappa[best], kappa[c], counts);
          report.rescaled_kernels += counts[0];
          report.skipped_zero_norm += counts[1];
          report.skipped_non_finite += counts[2];
        }
      }
    }
    state.steps_applied = report.steps_applied;
  }
  report.elapsed_us = clock.elapsed_us();
  return report;
}

}  // namespace revive
