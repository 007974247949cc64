// Weight Evolution on the CPU (reactivation/we/we_cpu.h): properties on a synthetic model of
// several layer kinds, dead-filter fractions, thread counts, non-finite weights. The hand-worked
// steps are in we_cpu_test.cpp.
#include "reactivation/we/we_cpu.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <set>

#include "core/rng.h"
#include "reactivation/filter_norms.h"
#include "reactivation/we/we_math.h"
#include "reactivation/we/we_rate.h"

namespace revive {
namespace {

using K = ReactivatableKind;

// ---------------------------------------------------------------------------------------------
// Properties on a synthetic model of several layer kinds in one arena, with gaps between tensors
// (biases, a classifier) that WE must never touch.
// ---------------------------------------------------------------------------------------------
struct SyntheticModel {
  std::vector<ReactivatableTensor> tensors;
  std::vector<float> arena;
  FilterTable table;
};

// wide adds three 64x64x3x3 convs and a BN of 20000 channels, enough work for every stage to split
// over threads.
SyntheticModel synthetic_model(uint64_t seed, bool wide = false) {
  SyntheticModel m;
  int64_t off = 0;
  int layer = 0;
  const auto add = [&](const std::string& name, K kind, Shape shape, int groups) {
    m.tensors.push_back({name, kind, off, shape, groups, layer});
    off += shape_numel(shape) + 3;  // 3 non-reactivatable elements after each tensor
  };
  const auto conv_bn = [&](const std::string& name, Shape shape, int groups) {
    add(name + ".weight", K::kConvWeight, shape, groups);
    ++layer;
    add(name + "_bn.weight", K::kBnGamma, {shape[0]}, 1);
    add(name + "_bn.bias", K::kBnBeta, {shape[0]}, 1);
    ++layer;
  };
  conv_bn("first", {16, 3, 3, 3}, 1);
  conv_bn("conv", {16, 16, 3, 3}, 1);
  conv_bn("depthwise", {32, 1, 3, 3}, 32);
  conv_bn("pointwise", {32, 16, 1, 1}, 1);
  conv_bn("grouped", {24, 8, 1, 1}, 4);
  add("shortcut.weight", K::kConvWeight, {24, 16, 1, 1}, 1);
  ++layer;
  if (wide) {
    for (int i = 0; i < 3; ++i) conv_bn("wide" + std::to_string(i), {64, 64, 3, 3}, 1);
    add("wide_bn.weight", K::kBnGamma, {20000}, 1);
    add("wide_bn.bias", K::kBnBeta, {20000}, 1);
    ++layer;
  }
  m.arena.resize(static_cast<size_t>(off + 10));
  Rng rng(seed);
  for (float& x : m.arena) x = rng.normal();
  // Make some filters nearly dead so the relative-importance test selects them.
  for (const auto& t : m.tensors) {
    const int64_t len = shape_numel(t.shape) / t.shape[0];
    for (int64_t j = 0; j < t.shape[0]; ++j)
      if (rng.uniform() < 0.2f)
        for (int64_t e = 0; e < len; ++e) m.arena[static_cast<size_t>(t.offset + j * len + e)] *= 1e-3f;
  }
  m.table = FilterTable::build(m.tensors, static_cast<int64_t>(m.arena.size()));
  return m;
}

// Stages (a)-(d) through the public stage functions: the pairs the step must rewrite.
WePairs expected_pairs(const SyntheticModel& m, const std::vector<float>& arena, const WeOptions& o, int epoch) {
  const FilterTable& t = m.table;
  const FilterTableLayers& L = t.layers();
  std::vector<float> l1(static_cast<size_t>(t.n_filters())), imp(l1.size());
  filter_norm_l1_cpu(t, arena.data(), l1.data(), imp.data());
  const WeStage stage = we_stage(epoch, {0}, o);
  const double rates[3] = {o.rate_conv, o.rate_bn_gamma, o.rate_bn_beta};
  WePairs pairs;
  std::vector<uint64_t> scratch;
  int64_t counters[3] = {0, 0, 0};
  uint64_t th[3];
  for (int k = 0; k < 3; ++k) {
    std::vector<uint32_t> keys;
    for (int l = 0; l < t.n_layers(); ++l)
      if (static_cast<int>(L.kind[l]) == k)
        for (int32_t f = L.first_filter[l]; f < L.first_filter[l + 1]; ++f) keys.push_back(magnitude_key(imp[f]));
    th[k] = we_global_threshold(keys, we_threshold_rank(static_cast<int64_t>(keys.size()),
                                                        we_rate(rates[k], epoch, stage, o.eta)));
  }
  for (int l = 0; l < t.n_layers(); ++l) {
    const int k = static_cast<int>(L.kind[l]);
    const WeLayerSelection s = we_select_layer(imp.data() + L.first_filter[l], L.n_filters[l], L.groups[l], th[k], o,
                                               0, &counters[k]);
    const size_t at = pairs.size();
    pairs.resize(at + static_cast<size_t>(s.n_pairs));
    we_match_layer(imp.data() + L.first_filter[l], L.n_filters[l], L.first_filter[l], s, o.matching, scratch,
                   pairs.dominant.data() + at, pairs.inferior.data() + at);
  }
  return pairs;
}

int32_t argmin_magnitude(const float* v, int32_t n) {
  int32_t a = 0;
  for (int32_t i = 1; i < n; ++i)
    if (std::fabs(v[i]) < std::fabs(v[a])) a = i;
  return a;
}

TEST(WeCpu, PropertiesOnASyntheticModel) {
  const SyntheticModel m = synthetic_model(5);
  const FilterTableLayers& L = m.table.layers();
  const FilterTableFilters& F = m.table.filters();
  const WeOptions o = parse_we_options("paper", {}, {"rate_conv=0.6", "rate_bn_gamma=0.6", "rate_bn_beta=0.6",
                                                     "lambda=0.3"});
  const int epoch = 20;
  std::vector<float> arena = m.arena;
  WeState state;
  const WeReport r = we_apply_cpu(m.table, arena.data(), static_cast<int64_t>(arena.size()), o, epoch, {0}, state);
  const WePairs pairs = expected_pairs(m, m.arena, o, epoch);
  ASSERT_GT(pairs.size(), 20u);

  std::vector<bool> inferior(static_cast<size_t>(m.table.n_filters()), false);
  for (int32_t f : pairs.inferior) inferior[f] = true;
  // Every element outside the inferior filters keeps its bits: dominants, unselected filters and
  // layers, and the non-reactivatable gaps.
  std::vector<bool> in_inferior(arena.size(), false);
  for (int32_t f = 0; f < m.table.n_filters(); ++f)
    if (inferior[f])
      for (int32_t e = 0; e < L.filter_len[F.layer[f]]; ++e) in_inferior[F.offset[f] + e] = true;
  for (size_t i = 0; i < arena.size(); ++i)
    if (!in_inferior[i]) {
      ASSERT_EQ(std::memcmp(&arena[i], &m.arena[i], 4), 0) << "element " << i;
    }

  // Paper crossover: exactly one element per slice changes, the argmin |.| of the slice; BN
  // scalars change.
  int64_t changed_total = 0;
  for (size_t p = 0; p < pairs.size(); ++p) {
    const int32_t f = pairs.inferior[p];
    const int layer = F.layer[f];
    for (int32_t s = 0; s < L.n_slices[layer]; ++s) {
      const int64_t base = F.offset[f] + static_cast<int64_t>(s) * L.slice_len[layer];
      const int32_t arg = argmin_magnitude(&m.arena[base], L.slice_len[layer]);
      int changed = 0;
      for (int32_t e = 0; e < L.slice_len[layer]; ++e) {
        const bool diff = arena[base + e] != m.arena[base + e];
        changed += diff;
        if (diff) {
          EXPECT_EQ(e, arg);
        }
      }
      EXPECT_EQ(changed, 1) << m.table.layer_names()[layer] << " filter " << f << " slice " << s;
      changed_total += changed;
    }
  }
  int64_t updated = 0;
  for (const auto& pool : r.pools) updated += pool.crossover.updated_elements;
  EXPECT_EQ(updated, changed_total);

  // Counts: continuous random importances have no ties, so |W^tbd| = k = floor(N r).
  for (int k = 0; k < 3; ++k) {
    const WePoolReport& p = r.pools[k];
    EXPECT_EQ(p.pool_size, m.table.n_filters_of(static_cast<K>(k)));
    EXPECT_EQ(p.threshold_rank, static_cast<int64_t>(std::floor(p.pool_size * p.rate)));
    EXPECT_EQ(p.candidates, p.threshold_rank) << k;
  }
  int64_t report_pairs = 0;
  for (const auto& p : r.pools) report_pairs += p.pairs;
  EXPECT_EQ(report_pairs, static_cast<int64_t>(pairs.size()));

  // Report JSON, as it goes into the metrics line.
  const nlohmann::json j = r.to_json();
  EXPECT_EQ(j["method"], "we");
  EXPECT_EQ(j["epoch"], epoch);
  EXPECT_EQ(j["pools"]["conv"]["candidates"], r.pools[0].candidates);
  EXPECT_EQ(j["pools"]["bn_beta"]["updated_elements"], r.pools[2].crossover.updated_elements);
  EXPECT_TRUE(j["conv_fraction_below"].contains("1e-3"));
  EXPECT_TRUE(j.contains("elapsed_us"));
  for (const char* stage : kWeStageNames) EXPECT_TRUE(j["stage_us"].contains(stage)) << stage;
}

TEST(WeCpu, DeadFilterFractionsAtTheLimitsCompareAsDoubles) {
  // A float next to each limit (float(1e-2) is below 1e-2, float(1e-3) and float(1e-1) above):
  // "below 1e-2" means below the double, as the report says.
  std::vector<float> w;
  for (double limit : {1e-3, 1e-2, 1e-1}) {
    const float f = static_cast<float>(limit);
    w.insert(w.end(), {std::nextafter(f, 0.0f), f, std::nextafter(f, 1.0f)});
  }
  const int64_t n = static_cast<int64_t>(w.size());
  const FilterTable table = FilterTable::build({{"conv", K::kConvWeight, 0, {n, 1, 1, 1}, 1, 0}}, n);
  WeState state;
  const WeReport r = we_apply_cpu(table, w.data(), n, we_preset("paper"), 0, {0}, state);
  int64_t expected[3] = {};
  const double th[3] = {1e-3, 1e-2, 1e-1};
  for (int i = 0; i < 3; ++i)
    for (float x : w) expected[i] += std::fabs(x) < th[i];
  EXPECT_EQ(expected[1], 5);  // float(1e-2) itself counts
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(r.conv_fraction_below[i], static_cast<double>(expected[i]) / n) << i;
}

TEST(WeCpu, DeadFilterFractions) {
  // The report's fractions against a direct count over the pre-step norms.
  const SyntheticModel m = synthetic_model(8);
  std::vector<float> arena = m.arena;
  WeState state;
  const WeReport r = we_apply_cpu(m.table, arena.data(), static_cast<int64_t>(arena.size()), we_preset("paper"), 0,
                                  {0}, state);
  std::vector<float> l1(static_cast<size_t>(m.table.n_filters())), imp(l1.size());
  filter_norm_l1_cpu(m.table, m.arena.data(), l1.data(), imp.data());
  const double th[3] = {1e-3, 1e-2, 1e-1};
  for (int i = 0; i < 3; ++i) {
    int64_t n = 0;
    for (int32_t f = 0; f < m.table.n_filters(); ++f)
      if (m.table.layers().kind[m.table.filters().layer[f]] == K::kConvWeight) n += imp[f] < th[i];
    EXPECT_DOUBLE_EQ(r.conv_fraction_below[i],
                     static_cast<double>(n) / m.table.n_filters_of(K::kConvWeight));
  }
  EXPECT_GT(r.conv_fraction_below[2], 0.0);
}

TEST(WeCpu, RepeatedRunsAndThreadCountsAreIdentical) {
  // Rates 1 with lambda 1 ('<=') make c = n_tbd, so about half of each layer is rewritten.
  const SyntheticModel m = synthetic_model(9, /*wide=*/true);
  for (const char* preset : {"paper", "reference"}) {
    const WeOptions o =
        parse_we_options(preset, {}, {"rate_conv=1", "rate_bn_gamma=1", "lambda=1", "ri_inclusive=true"});
    std::vector<std::vector<float>> results;
    std::vector<nlohmann::json> reports;
    const int saved = omp_get_max_threads();
    for (int threads : {1, 2, 2}) {
      omp_set_num_threads(threads);
      std::vector<float> arena = m.arena;
      WeState state;
      WeScratch scratch;
      for (int epoch = 0; epoch < 3; ++epoch)
        we_apply_cpu(m.table, arena.data(), static_cast<int64_t>(arena.size()), o, epoch, {0}, state, &scratch);
      nlohmann::json j = we_apply_cpu(m.table, arena.data(), static_cast<int64_t>(arena.size()), o, 3, {0}, state,
                                      &scratch)
                             .to_json();
      j.erase("elapsed_us");
      j.erase("stage_us");
      results.push_back(arena);
      reports.push_back(j);
    }
    omp_set_num_threads(saved);
    for (size_t i = 1; i < results.size(); ++i) {
      EXPECT_EQ(std::memcmp(results[i].data(), results[0].data(), results[0].size() * 4), 0) << preset;
      EXPECT_EQ(reports[i], reports[0]) << preset;
    }
  }
}

TEST(WeCpu, AdversarialWeightsNeverBecomeNonFinite) {
  const SyntheticModel m = synthetic_model(13);
  const std::vector<std::vector<std::string>> variants{{}, {"we-rm"}, {"filter-level-gl"}, {"fixed-alpha=0.3"},
                                                       {"we-g"}, {"we-l"}};
  const std::vector<float> specials{0.0f, -0.0f, 1e-40f, -1e-40f, 1e-45f, 1e30f, -1e30f, 3.4e38f, -3.4e38f, 0.5f};
  Rng rng(21);
  for (int pattern = 0; pattern < 6; ++pattern) {
    std::vector<float> start = m.arena;
    for (float& x : start) {
      switch (pattern) {
        case 0: x = 0.0f; break;                                           // all zero
        case 1: x = rng.uniform() < 0.5f ? 1e-40f : -1e-40f; break;        // denormals
        case 2: x = rng.uniform() < 0.5f ? 1e30f : -1e30f; break;          // huge, cancelling
        case 3: x = 0.5f; break;                                           // all equal
        case 4: x = specials[rng.below(specials.size())]; break;           // a mix of the above
        default: x = rng.uniform() < 0.5f ? 3.4e38f : -3.4e38f; break;     // near FLT_MAX
      }
    }
    for (const char* preset : {"paper", "reference"}) {
      for (const auto& ablations : variants) {
        const WeOptions o = parse_we_options(preset, ablations, {"rate_conv=1", "rate_bn_gamma=1", "rate_bn_beta=1",
                                                                 "lambda=1", "ri_inclusive=true"});
        std::vector<float> arena = start;
        WeState state;
        we_apply_cpu(m.table, arena.data(), static_cast<int64_t>(arena.size()), o, 30, {0}, state);
        for (size_t i = 0; i < arena.size(); ++i)
          ASSERT_TRUE(std::isfinite(arena[i])) << "pattern " << pattern << " " << preset << " element " << i;
      }
    }
  }
}

TEST(WeCpu, ExistingNonFiniteWeightsSpreadNowhere) {
  // A diverged run: NaN and Inf in a few filters. The step must not write any new non-finite value.
  const SyntheticModel m = synthetic_model(17);
  std::vector<float> start = m.arena;
  const FilterTableFilters& F = m.table.filters();
  start[F.offset[3]] = std::nanf("");
  start[F.offset[40] + 2] = INFINITY;
  start[F.offset[m.table.layers().first_filter[1]]] = std::nanf("");  // a gamma
  for (const char* preset : {"paper", "reference"}) {
    std::vector<float> arena = start;
    WeState state;
    we_apply_cpu(m.table, arena.data(), static_cast<int64_t>(arena.size()),
                 parse_we_options(preset, {}, {"rate_conv=1", "rate_bn_gamma=1", "lambda=1", "ri_inclusive=true"}), 30,
                 {0}, state);
    for (size_t i = 0; i < arena.size(); ++i)
      if (!std::isfinite(arena[i])) {
        ASSERT_FALSE(std::isfinite(start[i])) << preset << " element " << i;
      }
  }
}

}  // namespace
}  // namespace revive
