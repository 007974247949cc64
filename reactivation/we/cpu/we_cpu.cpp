#include "reactivation/we/we_cpu.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "reactivation/cpu_step.h"
#include "reactivation/we/we_math.h"
#include "reactivation/we/we_rate.h"

namespace revive {
namespace {

bool pool_enabled(const WeOptions& o, ReactivatableKind kind) {
  switch (kind) {
    case ReactivatableKind::kConvWeight: return o.apply_conv;
    case ReactivatableKind::kBnGamma: return o.apply_bn_gamma;
    case ReactivatableKind::kBnBeta: return o.apply_bn_beta;
  }
  return false;
}

double pool_base_rate(const WeOptions& o, ReactivatableKind kind) {
  switch (kind) {
    case ReactivatableKind::kConvWeight: return o.rate_conv;
    case ReactivatableKind::kBnGamma: return o.rate_bn_gamma;
    case ReactivatableKind::kBnBeta: return o.rate_bn_beta;
  }
  return 0;
}

nlohmann::json pool_json(const WePoolReport& p) {
  if (!p.enabled) return {{"enabled", false}};
  return {{"enabled", true},
          {"pool_size", p.pool_size},
          {"rate", p.rate},
          {"threshold_rank", p.threshold_rank},
          {"candidates", p.candidates},
          {"inferior", p.inferior},
          {"pairs", p.pairs},
          {"fallback_forced", p.fallback_forced},
          {"updated_elements", p.crossover.updated_elements},
          {"skipped_zero_denominator", p.crossover.skipped_zero_denominator},
          {"skipped_non_finite", p.crossover.skipped_non_finite}};
}

// Stage (b): the keys of each enabled pool, gathered in parallel (each layer at its place in its
// pool), then all pools' radix selects at once.
std::array<uint64_t, kNumReactivatableKinds> pool_thresholds(const FilterTable& table, const WeReport& report,
                                                             WeScratch& s) {
  const FilterTableLayers& L = table.layers();
  std::array<WeThresholdPool, kNumReactivatableKinds> pools{};
  int n_pools = 0;
  std::array<int, kNumReactivatableKinds> pool_of_kind{};
  for (int k = 0; k < kNumReactivatableKinds; ++k) {  // allocations stay out of parallel regions
    pool_of_kind[k] = -1;
    if (!report.pools[k].enabled) continue;
    s.keys[k].resize(static_cast<size_t>(report.pools[k].pool_size));
    pool_of_kind[k] = n_pools;
    pools[n_pools++] = {s.keys[k].data(), report.pools[k].pool_size, report.pools[k].threshold_rank};
  }
  s.pool_offset.resize(static_cast<size_t>(table.n_layers()));
  std::array<int64_t, kNumReactivatableKinds> filled{};
  for (int l = 0; l < table.n_layers(); ++l) {
    const int k = static_cast<int>(L.kind[l]);
    s.pool_offset[l] = filled[k];
    filled[k] += L.n_filters[l];
  }
  // Dynamic schedules here and below: vCPUs can run unevenly, and with static ones the first
  // thread to finish waits for the other.
#pragma omp parallel for schedule(dynamic, 8) if (table.n_filters() > 16384)
  for (int l = 0; l < table.n_layers(); ++l) {
    const int k = static_cast<int>(L.kind[l]);
    if (pool_of_kind[k] < 0) continue;
    uint32_t* key = s.keys[k].data() + s.pool_offset[l];
    const float* importance = s.importance.data() + L.first_filter[l];
    // A local count: the stores to uint32_t keys could alias L.n_filters and keep the loop scalar.
    const int32_t n = L.n_filters[l];
    for (int32_t j = 0; j < n; ++j) key[j] = magnitude_key(importance[j]);
  }
  we_global_thresholds(pools.data(), n_pools);
  std::array<uint64_t, kNumReactivatableKinds> threshold{};
  for (int k = 0; k < kNumReactivatableKinds; ++k)
    if (pool_of_kind[k] >= 0) threshold[k] = pools[pool_of_kind[k]].threshold;
  return threshold;
}

// Stage (c), the part that does not depend on module order: s.counts of every layer, and the
// fractions of conv filters below each kWeDeadThresholds into the report.
void count_layers(const FilterTable& table, const std::array<uint64_t, kNumReactivatableKinds>& threshold,
                  const WeOptions& o, WeReport& report, WeScratch& s) {
  const FilterTableLayers& L = table.layers();
  s.counts.resize(static_cast<size_t>(table.n_layers()));
  int64_t n_below[kWeDeadThresholds.size()] = {};
  // The smallest float >= each limit: for every float x (NaN too), x < it iff x < the double.
  std::array<float, kWeDeadThresholds.size()> limit{};
  for (size_t i = 0; i < limit.size(); ++i) limit[i] = float_at_or_above(kWeDeadThresholds[i]);
  int64_t n_conv_filters = 0;
#pragma omp parallel for schedule(dynamic, 4) reduction(+ : n_below[:kWeDeadThresholds.size()], n_conv_filters) \
    if (table.n_filters() > 16384)
  for (int l = 0; l < table.n_layers(); ++l) {
    const int k = static_cast<int>(L.kind[l]);
    const float* importance = s.importance.data() + L.first_filter[l];
    if (report.pools[k].enabled)
      s.counts[l] = we_count_layer(importance, L.n_filters[l], L.groups[l], threshold[k], o);
    if (L.kind[l] != ReactivatableKind::kConvWeight) continue;
    const int32_t n = L.n_filters[l];
    n_conv_filters += n;
    // One pass for all three limits, in float compares and 32-bit sums that stay in SIMD lanes.
    int32_t below0 = 0, below1 = 0, below2 = 0;
    for (int32_t j = 0; j < n; ++j) {
      below0 += importance[j] < limit[0];
      below1 += importance[j] < limit[1];
      below2 += importance[j] < limit[2];
    }
    n_below[0] += below0;
    n_below[1] += below1;
    n_below[2] += below2;
  }
  for (size_t i = 0; i < kWeDeadThresholds.size(); ++i)
    report.conv_fraction_below[i] = n_conv_filters ? static_cast<double>(n_below[i]) / n_conv_filters : 0.0;
}

}  // namespace

nlohmann::json WeState::to_json() const {
  nlohmann::json j;
  for (int k = 0; k < kNumReactivatableKinds; ++k)
    j[reactivatable_kind_name(static_cast<ReactivatableKind>(k))] = fallback_counter[k];
  return {{"fallback_counter", j}};
}

WeState WeState::from_json(const nlohmann::json& j) {
  WeState s;
  REVIVE_CHECK(j.is_object() && j.contains("fallback_counter") && j["fallback_counter"].is_object(),
               "WE state: expected {\"fallback_counter\": {\"conv\": n, \"bn_gamma\": n, \"bn_beta\": n}}");
  for (int k = 0; k < kNumReactivatableKinds; ++k) {
    const char* name = reactivatable_kind_name(static_cast<ReactivatableKind>(k));
    const nlohmann::json& c = j["fallback_counter"];
    REVIVE_CHECK(c.contains(name) && c[name].is_number_integer() && c[name].get<int64_t>() >= 0,
                 "WE state: fallback_counter." << name << " must be an integer >= 0");
    s.fallback_counter[k] = c[name].get<int64_t>();
  }
  return s;
}

nlohmann::json WeReport::to_json() const {
  nlohmann::json pools_json, below;
  for (int k = 0; k < kNumReactivatableKinds; ++k)
    pools_json[reactivatable_kind_name(static_cast<ReactivatableKind>(k))] = pool_json(pools[k]);
  for (size_t i = 0; i < kWeDeadThresholds.size(); ++i) below[kDeadFilterThresholdNames[i]] = conv_fraction_below[i];
  nlohmann::json j = {{"method", "we"},         {"epoch", epoch},
                      {"stage", stage},         {"stage_start", stage_start},
                      {"divisor", divisor},     {"pools", pools_json},
                      {"conv_fraction_below", below}, {"elapsed_us", elapsed_us}};
  if (std::any_of(stage_us.begin(), stage_us.end(), [](double t) { return t > 0; }))
    for (size_t i = 0; i < stage_us.size(); ++i) j["stage_us"][kWeStageNames[i]] = stage_us[i];
  return j;
}

WeReport we_plan_step(const FilterTable& table, const void* arena, int64_t arena_numel, const WeOptions& o, int epoch,
                      const std::vector<int>& stage_boundaries) {
  validate_we_options(o);
  REVIVE_CHECK(arena_numel == table.arena_numel(), "WE: the arena has " << arena_numel << " elements but the filter "
                                                                        << "table was built for " << table.arena_numel());
  REVIVE_CHECK(arena != nullptr || arena_numel == 0, "WE: null arena");
  WeReport report;
  report.epoch = epoch;
  const WeStage stage = we_stage(epoch, stage_boundaries, o);
  report.stage = stage.index;
  report.stage_start = stage.start;
  report.divisor = stage.divisor;
  for (int k = 0; k < kNumReactivatableKinds; ++k) {
    const auto kind = static_cast<ReactivatableKind>(k);
    WePoolReport& p = report.pools[k];
    p.enabled = pool_enabled(o, kind);
    if (!p.enabled) continue;
    p.pool_size = table.n_filters_of(kind);
    p.rate = we_rate(pool_base_rate(o, kind), epoch, stage, o.eta);
    p.threshold_rank = we_threshold_rank(p.pool_size, p.rate);
  }
  return report;
}

double we_fallback_period(const FilterTable& table, const WeOptions& o) {
  return o.fallback_ln_c > 0 ? table.n_layers_of(ReactivatableKind::kConvWeight) / o.fallback_ln_c : 0.0;
}

WeReport we_apply_cpu(const FilterTable& table, float* arena, int64_t arena_numel, const WeOptions& o, int epoch,
                      const std::vector<int>& stage_boundaries, WeState& state, WeScratch* scratch) {
  CpuStep<WeScratch> step(scratch);
  WeReport report = we_plan_step(table, arena, arena_numel, o, epoch, stage_boundaries);
  WeScratch& s = step.scratch();
  const FilterTableLayers& L = table.layers();
  const auto end_stage = [&](size_t stage) { step.end_stage(report, stage); };

  step.norms(table, arena);  // (a)
  end_stage(0);

  // (b) one global threshold per pool (§1.3: three independent pools).
  const std::array<uint64_t, kNumReactivatableKinds> threshold = pool_thresholds(table, report, s);
  end_stage(1);
  // (c) per-layer counts, in parallel (they depend on the thresholds only), with the fraction of
  // dead conv filters; then the fallback in module order, because the counters depend on it
  // (§1.4).
  count_layers(table, threshold, o, report, s);
  const double fallback_period = we_fallback_period(table, o);
  s.selection.assign(static_cast<size_t>(table.n_layers()), WeLayerSelection{});
  s.pair_offset.assign(static_cast<size_t>(table.n_layers()) + 1, 0);
  int64_t match_work = 0;
  int32_t max_matched = 0;
  for (int l = 0; l < table.n_layers(); ++l) {
    const int k = static_cast<int>(L.kind[l]);
    WePoolReport& p = report.pools[k];
    WeLayerSelection& sel = s.selection[l];
    if (p.enabled) {
      const WeLayerCounts& c = s.counts[l];
      sel = we_finish_layer_selection(L.n_filters[l], c.n_tbd, c.n_ri, c.ri_bound, threshold[k], o.selection,
                                      fallback_period, &state.fallback_counter[k]);
      p.candidates += sel.n_tbd;
      p.inferior += sel.n_inferior;
      p.pairs += sel.n_pairs;
      p.fallback_forced += sel.fallback_forced;
      if (sel.n_pairs > 0) {
        match_work += sel.n_filters;
        max_matched = std::max(max_matched, sel.n_filters);
      }
    }
    s.pair_offset[l + 1] = s.pair_offset[l] + sel.n_pairs;
  }
  end_stage(2);

  // (d) matching: layers are independent; each writes its pairs at its offset, so the pair list is
  // in module order whatever the thread split. Last layer first: these nets widen with depth, so
  // the costly layers go first and small ones fill the end (in module order the first thread to
  // finish waited for the other on the last, widest layers).
  s.pairs.resize(static_cast<size_t>(s.pair_offset.back()));
  s.order.resize(static_cast<size_t>(omp_get_max_threads()));
  for (auto& order : s.order) order.resize(std::max(order.size(), 3 * static_cast<size_t>(max_matched)));
#pragma omp parallel for schedule(dynamic, 1) if (match_work > 16384)
  for (int r = 0; r < table.n_layers(); ++r) {
    const int l = table.n_layers() - 1 - r;
    if (s.selection[l].n_pairs == 0) continue;
    we_match_layer(s.importance.data() + L.first_filter[l], L.n_filters[l], L.first_filter[l], s.selection[l],
                   o.matching, s.order[static_cast<size_t>(omp_get_thread_num())],
                   s.pairs.dominant.data() + s.pair_offset[l], s.pairs.inferior.data() + s.pair_offset[l]);
  }

  end_stage(3);

  // (e) crossover.
  std::array<WeCrossoverCounts, kNumReactivatableKinds> counts{};
  we_crossover_cpu(table, arena, s.l1.data(), s.pairs, o, counts);
  for (int k = 0; k < kNumReactivatableKinds; ++k) report.pools[k].crossover = counts[k];
  end_stage(4);

  report.elapsed_us = step.elapsed_us();
  return report;
}

}  // namespace revive
