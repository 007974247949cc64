#include "reactivation/we/reference.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "reactivation/filter_norms.h"
#include "reactivation/we/we_math.h"
#include "reactivation/we/we_rate.h"

// "The code" below is the authors' published implementation (we.py of BZQLin/Weight-evolution), whose
// behaviour the `reference` preset reproduces. What this file shares with the tuned paths is the
// definition of the arithmetic only, so that "the same result" can mean the same bits:
//   filter_norm_l1_plain (filter_norms.h) the order in which a filter's |w| are summed;
//   magnitude_key, magnitude_bits         how importances and |w| compare (NaN above every number,
//                                         as torch.sort puts it);
//   we_blend_adaptive, we_blend_harmonic, the float formulas of one blend and when it is skipped;
//   we_blend_fixed, we_filter_alpha
//   we_stage, we_rate, we_threshold_rank  the rate r(e) and k of §1.3 (we_rate.h).
// Everything else (which entries are selected, in which order, how they pair, which elements a
// blend writes) is written out again here.

namespace revive {
namespace {

// ---- 1.2 Importance ---------------------------------------------------------------------------
// The plain L1 norm of a filter is filter_norm_l1_plain (filter_norms.h): element e goes to lane
// e mod 16, and the lanes are added up by filter_norm_combine, the order the SIMD and GPU loops use.
// Summed in another order, float rounding could rank two nearly equal filters the other way round.

// Importances (average L1, never negative) in the order torch.sort gives them: by value, NaN last.
const auto less_important = [](float a, float b) { return magnitude_key(a) < magnitude_key(b); };

// ---- 1.3 Global selection ---------------------------------------------------------------------
// th = sorted_pool[k] of the pool sorted ascending; none when k >= |pool| (the code would index
// past the end): then every entry is a candidate.
std::optional<float> global_threshold(std::vector<float> pool, int64_t k) {
  std::stable_sort(pool.begin(), pool.end(), less_important);
  if (k >= static_cast<int64_t>(pool.size())) return std::nullopt;
  return pool[static_cast<size_t>(k)];
}

// ---- 1.4 Local selection ----------------------------------------------------------------------
// Step 3: entries whose importance is within lambda of the largest in the layer (or in their group,
// with group_aware_ri): importance <= lambda * max (ri_inclusive, the code's) or < (the paper's).
// lambda * max is a float product, as the code's float32 tensor times a Python float; NaN never
// counts.
int32_t count_within_lambda(const float* importance, int32_t n, int32_t groups, const WeOptions& o) {
  const int32_t n_groups = o.group_aware_ri ? groups : 1;
  const int32_t per_group = n / n_groups;
  int32_t count = 0;
  for (int32_t g = 0; g < n_groups; ++g) {
    const float* v = importance + static_cast<int64_t>(g) * per_group;
    float max = v[0];
    for (int32_t j = 1; j < per_group; ++j)
      if (less_important(max, v[j])) max = v[j];
    const float limit = static_cast<float>(o.ri_threshold) * max;
    for (int32_t j = 0; j < per_group; ++j) count += o.ri_inclusive ? v[j] <= limit : v[j] < limit;
  }
  return count;
}

// Steps 1-5 for one layer; 1.10 for WE-G (no RI test) and WE-L (no global step). `counter` is the
// pool's fallback counter, which lives across layers and epochs.
WeReferenceLayer select_layer(const float* importance, int32_t n, int32_t groups, const std::optional<float>& th,
                              const WeOptions& o, double fallback_period, int64_t& counter) {
  WeReferenceLayer s;
  // Step 1: candidates, importance < th (strict).
  if (o.selection != WeSelection::kLocalOnly)
    for (int32_t j = 0; j < n; ++j) s.n_tbd += !th || less_important(importance[j], *th);
  // Step 2: with both selections a layer without candidates is left alone, RI test and fallback
  // included (we.py:190-205); WE-L tests every layer, WE-G none.
  const bool test_ri =
      o.selection == WeSelection::kLocalOnly || (o.selection == WeSelection::kBoth && s.n_tbd > 0);
  if (test_ri) {
    s.n_ri = count_within_lambda(importance, n, groups, o);
    // Step 4, the code's fallback: a layer with nothing within lambda advances the counter, and at
    // the period one entry is forced; a layer with something resets it.
    if (fallback_period > 0) {
      if (s.n_ri > 0) {
        counter = 0;
      } else if (++counter >= fallback_period) {
        s.n_ri = 1;
        s.fallback_forced = true;
        counter = 0;
      }
    }
  }
  // Step 5: c.
  switch (o.selection) {
    case WeSelection::kBoth: s.n_inferior = std::min(s.n_tbd, s.n_ri); break;
    case WeSelection::kGlobalOnly: s.n_inferior = s.n_tbd; break;
    case WeSelection::kLocalOnly: s.n_inferior = s.n_ri; break;
  }
  // 1.5: zip stops at the shorter list.
  s.n_pairs = std::min(s.n_inferior, n - s.n_inferior);
  return s;
}

// ---- 1.5 Matching -----------------------------------------------------------------------------
// The layer sorted by importance descending, equal importances by ascending index (§0.2):
// its last c entries are the inferior, the others the dominants. Forward matching zips the two
// descending lists, so with c > N - c the smallest inferior entries stay as they are. Reverse
// matching (WE-RM) zips the dominants with the inferior list ascending, again equal importances by
// ascending index: a stable sort of its own, not the descending list reversed.
void match_layer(const float* importance, int32_t n, int32_t first_filter, const WeReferenceLayer& s,
                 WeMatching matching, std::vector<int32_t>& dominant, std::vector<int32_t>& inferior) {
  std::vector<int32_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return less_important(importance[b], importance[a]); });
  std::vector<int32_t> inferior_list(order.end() - s.n_inferior, order.end());
  if (matching == WeMatching::kReverse)
    std::stable_sort(inferior_list.begin(), inferior_list.end(),
                     [&](int32_t a, int32_t b) { return less_important(importance[a], importance[b]); });
  for (int32_t p = 0; p < s.n_pairs; ++p) {
    dominant.push_back(first_filter + order[static_cast<size_t>(p)]);
    inferior.push_back(first_filter + inferior_list[static_cast<size_t>(p)]);
  }
}

// ---- 1.6 Crossover ----------------------------------------------------------------------------
// A blend whose denominator is zero or whose value is not finite is skipped and counted, never
// written (§0.1). Returns whether to write it.
bool counted(const BlendResult& r, WeCrossoverCounts& c) {
  c.skipped_zero_denominator += r.status == BlendStatus::kZeroDenominator;
  c.skipped_non_finite += r.status == BlendStatus::kNonFinite;
  return r.status == BlendStatus::kWritten;
}

// 1.6a: which convs blend whole filters.
bool blends_whole_filters(const FilterTableLayers& L, int layer, const WeOptions& o) {
  if (o.level == WeLevel::kFilter) return true;  // Filter-level-GL (Table 7), every conv
  switch (o.filter_level_blend) {
    case WeFilterLevelBlend::kNone: return false;
    case WeFilterLevelBlend::kKernel1x1: return L.kernel_h[layer] == 1;  // we.py:221 tests Kh
    case WeFilterLevelBlend::kDepthwise: return L.n_slices[layer] == 1;
  }
  return false;
}

// 1.6a: W[i] <- alpha W[i] + (1 - alpha) W[d], alpha = L1(W[i]) / (L1(W[i]) + L1(W[d])) from the
// norms before the step, or the fixed alpha. Each element is a blend of its own.
void blend_filter(float* wi, const float* wd, int32_t len, float l1_i, float l1_d, const WeOptions& o,
                  WeCrossoverCounts& c) {
  float alpha = static_cast<float>(o.alpha);
  if (!o.alpha_fixed) {
    const AlphaResult a = we_filter_alpha(l1_i, l1_d);
    if (!counted({0.0f, a.status}, c)) return;
    alpha = a.alpha;
  }
  for (int32_t e = 0; e < len; ++e) {
    const BlendResult r = we_blend_fixed(wi[e], wd[e], alpha);
    if (counted(r, c)) {
      wi[e] = r.value;
      ++c.updated_elements;
    }
  }
}

// The first element of largest (or smallest) |.| in row-major order, as Python's stable sorted(key=abs).
int32_t first_largest_magnitude(const float* v, int32_t n) {
  int32_t at = 0;
  for (int32_t e = 1; e < n; ++e)
    if (magnitude_bits(v[e]) > magnitude_bits(v[at])) at = e;
  return at;
}
int32_t first_smallest_magnitude(const float* v, int32_t n) {
  int32_t at = 0;
  for (int32_t e = 1; e < n; ++e)
    if (magnitude_bits(v[e]) < magnitude_bits(v[at])) at = e;
  return at;
}

// 1.6b, one input channel: l = the dominant slice's element of largest |.|, m = the inferior slice's
// element of smallest |.|. The paper blends m alone (Eq. 5-6: alpha = |m| / (|m| + |l|), or fixed);
// the code computes 2ml / (m + l) and writes it to every element equal to m (we.py:233-234; float
// ==, so -0 == +0).
void crossover_slice(float* mi, const float* ld, int32_t len, const WeOptions& o, WeCrossoverCounts& c) {
  const int32_t arg_m = first_smallest_magnitude(mi, len);
  const float m = mi[arg_m], l = ld[first_largest_magnitude(ld, len)];
  if (o.crossover == WeCrossover::kPaper) {
    const BlendResult r = o.alpha_fixed ? we_blend_fixed(m, l, static_cast<float>(o.alpha)) : we_blend_adaptive(m, l);
    if (counted(r, c)) {
      mi[arg_m] = r.value;
      ++c.updated_elements;
    }
    return;
  }
  const BlendResult r = we_blend_harmonic(m, l, static_cast<float>(o.harmonic_eps));
  if (!counted(r, c)) return;
  for (int32_t e = 0; e < len; ++e) {
    if (mi[e] == m) {
      mi[e] = r.value;
      ++c.updated_elements;
    }
  }
}

// One pair of one layer: 1.6c for BN scalars (the paper's formula, which the code uses too), 1.6a
// or 1.6b for convs.
void crossover_pair(const FilterTable& table, float* arena, const std::vector<float>& l1, int32_t fd, int32_t fi,
                    const WeOptions& o, WeCrossoverCounts& c) {
  const FilterTableLayers& L = table.layers();
  const int layer = table.filters().layer[fi];
  float* wi = arena + table.filters().offset[fi];
  const float* wd = arena + table.filters().offset[fd];
  if (L.kind[layer] != ReactivatableKind::kConvWeight) {
    const BlendResult r = o.alpha_fixed ? we_blend_fixed(*wi, *wd, static_cast<float>(o.alpha))
                                        : we_blend_adaptive(*wi, *wd);
    if (counted(r, c)) {
      *wi = r.value;
      ++c.updated_elements;
    }
  } else if (blends_whole_filters(L, layer, o)) {
    blend_filter(wi, wd, L.filter_len[layer], l1[fi], l1[fd], o, c);
  } else {
    for (int32_t s = 0; s < L.n_slices[layer]; ++s) {
      const int64_t at = static_cast<int64_t>(s) * L.slice_len[layer];
      crossover_slice(wi + at, wd + at, L.slice_len[layer], o, c);
    }
  }
}

}  // namespace

WeReport we_apply_reference(const FilterTable& table, float* arena, int64_t arena_numel, const WeOptions& o,
                            int epoch, const std::vector<int>& stage_boundaries, WeState& state,
                            WeReferenceTrace* trace) {
  validate_we_options(o);
  REVIVE_CHECK(arena_numel == table.arena_numel(), "WE: the arena has " << arena_numel << " elements but the filter "
                                                                        << "table was built for " << table.arena_numel());
  const FilterTableLayers& L = table.layers();
  const FilterTableFilters& F = table.filters();
  const int64_t n_filters = table.n_filters();
  WeReferenceTrace local;
  WeReferenceTrace& t = trace ? *trace : local;
  t = WeReferenceTrace{};

  // 1.2: the importance of every filter: the average L1, L1 / I_g for a conv filter (the code's
  // divisor weight.shape[1]), |x| for a BN scalar (its L1, divisor 1).
  t.l1.resize(static_cast<size_t>(n_filters));
  t.importance.resize(t.l1.size());
  for (int32_t f = 0; f < n_filters; ++f) {
    const int layer = F.layer[f];
    t.l1[f] = filter_norm_l1_plain(arena + F.offset[f], L.filter_len[layer]);
    t.importance[f] = t.l1[f] / L.divisor[layer];
  }

  WeReport report;
  report.epoch = epoch;
  // The fractions of conv filters whose average L1 lies below each kWeDeadThresholds, before the step.
  int64_t n_conv = 0;
  for (int32_t f = 0; f < n_filters; ++f) {
    if (L.kind[F.layer[f]] != ReactivatableKind::kConvWeight) continue;
    ++n_conv;
    for (size_t i = 0; i < kWeDeadThresholds.size(); ++i)
      report.conv_fraction_below[i] += static_cast<double>(t.importance[f]) < kWeDeadThresholds[i];
  }
  for (double& fraction : report.conv_fraction_below) fraction = n_conv ? fraction / n_conv : 0.0;

  // 1.3: the stage of the epoch, then per pool (1.1: conv weights, BN gamma, BN beta, each with its
  // own rate) r(e), k = floor(|pool| r(e)) and th = sorted_pool[k].
  const WeStage stage = we_stage(epoch, stage_boundaries, o);
  report.stage = stage.index;
  report.stage_start = stage.start;
  report.divisor = stage.divisor;
  const std::array<bool, kNumReactivatableKinds> enabled{o.apply_conv, o.apply_bn_gamma, o.apply_bn_beta};
  const std::array<double, kNumReactivatableKinds> base_rate{o.rate_conv, o.rate_bn_gamma, o.rate_bn_beta};
  for (int k = 0; k < kNumReactivatableKinds; ++k) {
    WePoolReport& p = report.pools[k];
    p.enabled = enabled[k];
    if (!p.enabled) continue;
    std::vector<float> pool;
    for (int32_t f = 0; f < n_filters; ++f)
      if (static_cast<int>(L.kind[F.layer[f]]) == k) pool.push_back(t.importance[f]);
    p.pool_size = static_cast<int64_t>(pool.size());
    p.rate = we_rate(base_rate[k], epoch, stage, o.eta);
    p.threshold_rank = we_threshold_rank(p.pool_size, p.rate);
    t.threshold[k] = global_threshold(std::move(pool), p.threshold_rank);
  }

  // 1.4 and 1.5, layer by layer in module order, which the fallback counters follow. Their period
  // is (#conv layers) / ln_c for all three pools (we.py:312).
  const double fallback_period = o.fallback_ln_c > 0 ? table.n_layers_of(ReactivatableKind::kConvWeight) / o.fallback_ln_c
                                                     : 0.0;
  t.layers.resize(static_cast<size_t>(table.n_layers()));
  for (int l = 0; l < table.n_layers(); ++l) {
    const int k = static_cast<int>(L.kind[l]);
    WePoolReport& p = report.pools[k];
    if (!p.enabled) continue;
    const float* importance = t.importance.data() + L.first_filter[l];
    WeReferenceLayer& s = t.layers[l];
    s = select_layer(importance, L.n_filters[l], L.groups[l], t.threshold[k], o, fallback_period,
                     state.fallback_counter[k]);
    match_layer(importance, L.n_filters[l], L.first_filter[l], s, o.matching, t.dominant, t.inferior);
    p.candidates += s.n_tbd;
    p.inferior += s.n_inferior;
    p.pairs += s.n_pairs;
    p.fallback_forced += s.fallback_forced;
  }

  // 1.6: the pairs are disjoint and a dominant is never inferior, so their order does not matter.
  for (size_t p = 0; p < t.inferior.size(); ++p) {
    const int k = static_cast<int>(L.kind[F.layer[t.inferior[p]]]);
    crossover_pair(table, arena, t.l1, t.dominant[p], t.inferior[p], o, report.pools[k].crossover);
  }
  return report;
}

}  // namespace revive
