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
// A hand-worked model: conv [4, 2, 2, 1] at 0 (Kh = 2, so the reference preset gives it the element
// crossover, §1.6a), two non-reactivatable elements (a bias) at 16-17, BN gamma [4] at 18 and
// beta [4] at 22.
//
// conv filters (slices of 2):            plain L1   average L1 (divisor I_g = 2)
//   f0 = [0.5, -1.0 | 2.0, 0.5]            4.0        2.0
//   f1 = [0.1, -0.2 | 0.3, 0.0]            0.6        0.3
//   f2 = [1.0,  1.0 | -1.0, 0.0]           3.0        1.5
//   f3 = [0.05, -0.05 | 0.1, -0.2]         0.4        0.2
// gamma = [1.0, 0.01, 0.5, -0.02], beta = [0.0, 0.3, -0.1, 0.2].
//
// Options: paper preset, every base rate 1, lambda 0.2, epoch 0 of a single stage:
// r = 1 * sigmoid(0) = 0.5 and k = floor(4 * 0.5) = 2 in each pool of 4.
//   conv:  sorted 0.2, 0.3, 1.5, 2.0 -> th = 1.5, tbd = {f1, f3}; RI limit 0.2 * 2 = 0.4 ->
//          {f1, f3}: c = 2, pairs = min(2, 2) = 2. Order f0, f2, f1, f3 -> (f0, f1), (f2, f3).
//   gamma: sorted 0.01, 0.02, 0.5, 1 -> th 0.5, tbd {1, 3}; limit 0.2 -> c = 2.
//          Order 0, 2, 3, 1 -> (0, 3), (2, 1).
//   beta:  sorted 0, 0.1, 0.2, 0.3 -> th 0.2, tbd {0, 2}; limit 0.2 * 0.3 = 0.06 -> {0}: c = 1.
//          Order 1, 3, 2, 0 -> (1, 0).
// ---------------------------------------------------------------------------------------------
struct HandModel {
  std::vector<float> arena{0.5f,  -1.0f, 2.0f, 0.5f,  0.1f, -0.2f, 0.3f, 0.0f,  1.0f, 1.0f, -1.0f, 0.0f,  0.05f,
                           -0.05f, 0.1f, -0.2f, 7.0f, 8.0f, 1.0f, 0.01f, 0.5f, -0.02f, 0.0f, 0.3f, -0.1f, 0.2f};
  FilterTable table = FilterTable::build({{"conv1.weight", K::kConvWeight, 0, {4, 2, 2, 1}, 1, 0},
                                          {"bn1.weight", K::kBnGamma, 18, {4}, 1, 1},
                                          {"bn1.bias", K::kBnBeta, 22, {4}, 1, 1}},
                                         26);
  float conv(int filter, int e) const { return arena[static_cast<size_t>(4 * filter + e)]; }
  float gamma(int c) const { return arena[static_cast<size_t>(18 + c)]; }
  float beta(int c) const { return arena[static_cast<size_t>(22 + c)]; }
};

WeOptions hand_options(const std::string& preset, const std::vector<std::string>& ablations = {},
                       std::vector<std::string> extra = {}) {
  std::vector<std::string> kv{"rate_conv=1", "rate_bn_gamma=1", "rate_bn_beta=1", "lambda=0.2"};
  kv.insert(kv.end(), extra.begin(), extra.end());
  return parse_we_options(preset, ablations, kv);
}

WeReport run(HandModel& m, const WeOptions& o, WeState* state = nullptr) {
  WeState local;
  return we_apply_cpu(m.table, m.arena.data(), 26, o, 0, {0}, state ? *state : local);
}

TEST(WeCpu, HandWorkedPaperStep) {
  HandModel m;
  const std::vector<float> before = m.arena;
  const WeReport r = run(m, hand_options("paper"));
  // (f0 -> f1) slice 0: l = -1, m = 0.1: alpha = 0.1/1.1, m' = (0.01 - 1)/1.1 = -0.9.
  //            slice 1: l = 2, m = 0 (index 1): alpha = 0, m' = 2.
  EXPECT_NEAR(m.conv(1, 0), -0.9, 1e-6);
  EXPECT_EQ(m.conv(1, 1), -0.2f);
  EXPECT_EQ(m.conv(1, 2), 0.3f);
  EXPECT_EQ(m.conv(1, 3), 2.0f);
  // (f2 -> f3) slice 0: l = 1 (first of two 1s), m = 0.05 (first of |0.05| twice):
  //            alpha = 0.05/1.05, m' = (0.0025 + 1)/1.05. slice 1: l = -1, m = 0.1 -> -0.9.
  EXPECT_NEAR(m.conv(3, 0), 1.0025 / 1.05, 1e-6);
  EXPECT_EQ(m.conv(3, 1), -0.05f);
  EXPECT_NEAR(m.conv(3, 2), -0.9, 1e-6);
  EXPECT_EQ(m.conv(3, 3), -0.2f);
  // gamma (0 -> 3): alpha = 0.02/1.02, x' = (-0.0004 + 1)/1.02 = 0.98;
  //       (2 -> 1): alpha = 0.01/0.51, x' = (0.0001 + 0.25)/0.51.
  EXPECT_NEAR(m.gamma(3), 0.98, 1e-6);
  EXPECT_NEAR(m.gamma(1), 0.2501 / 0.51, 1e-6);
  // beta (1 -> 0): alpha = 0 / 0.3 = 0, x' = 0.3.
  EXPECT_EQ(m.beta(0), 0.3f);
  // Dominants, the bias and non-inferior entries keep their bits.
  for (size_t i : {0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 20, 23, 24, 25})
    EXPECT_EQ(std::memcmp(&m.arena[i], &before[i], 4), 0) << i;

  const WePoolReport& c = r.pools[0];
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.pool_size, 4);
  EXPECT_DOUBLE_EQ(c.rate, 0.5);
  EXPECT_EQ(c.threshold_rank, 2);
  EXPECT_EQ(c.candidates, 2);
  EXPECT_EQ(c.inferior, 2);
  EXPECT_EQ(c.pairs, 2);
  EXPECT_EQ(c.crossover.updated_elements, 4);
  EXPECT_EQ(r.pools[1].pairs, 2);
  EXPECT_EQ(r.pools[1].crossover.updated_elements, 2);
  EXPECT_EQ(r.pools[2].candidates, 2);
  EXPECT_EQ(r.pools[2].inferior, 1);
  EXPECT_EQ(r.pools[2].crossover.updated_elements, 1);
  EXPECT_EQ(r.stage, 1);
  EXPECT_EQ(r.conv_fraction_below, (std::array<double, 3>{0, 0, 0}));
  EXPECT_GT(r.elapsed_us, 0);
  double stages = 0;
  for (double t : r.stage_us) {
    EXPECT_GE(t, 0);
    stages += t;
  }
  EXPECT_GT(stages, 0);
  EXPECT_LE(stages, r.elapsed_us);  // the stages lie within the step
}

TEST(WeCpu, HandWorkedReferenceStep) {
  // Same selection ('<=' changes nothing here; the fallback counter resets since every layer has
  // RI entries). Harmonic crossover 2ml/(m+l) written to every element equal to m:
  //   (f0 -> f1) slice 0: 2(0.1)(-1)/(-0.9) = 0.2/0.9; slice 1: m = 0 -> 0 (stays 0).
  //   (f2 -> f3) slice 0: 2(0.05)(1)/1.05 at index 0 only (-0.05 != 0.05); slice 1: 0.2/0.9.
  // BN uses the paper formula in the reference code too.
  HandModel m;
  WeState state;
  state.fallback_counter = {3, 3, 3};
  const WeReport r = run(m, hand_options("reference"), &state);
  EXPECT_NEAR(m.conv(1, 0), 0.2 / 0.9, 1e-6);
  EXPECT_EQ(m.conv(1, 3), 0.0f);
  EXPECT_NEAR(m.conv(3, 0), 0.1 / 1.05, 1e-6);
  EXPECT_EQ(m.conv(3, 1), -0.05f);
  EXPECT_NEAR(m.conv(3, 2), 0.2 / 0.9, 1e-6);
  EXPECT_NEAR(m.gamma(3), 0.98, 1e-6);
  EXPECT_EQ(m.beta(0), 0.3f);
  EXPECT_EQ(r.pools[0].crossover.updated_elements, 4);
  EXPECT_EQ(state.fallback_counter, (std::array<int64_t, 3>{0, 0, 0}));
}

TEST(WeCpu, AblationsOnTheHandModel) {
  const HandModel init;
  // WE-RM: inferior ascending (f3, f1) -> pairs (f0, f3), (f2, f1).
  //   f1 from f2: slice 0 l = 1, m = 0.1 -> (0.01 + 1)/1.1; slice 1 l = -1, m = 0 -> -1.
  //   f3 from f0: slice 0 l = -1, m = 0.05 -> (0.0025 - 1)/1.05; slice 1 l = 2, m = 0.1 -> 4.01/2.1.
  HandModel m;
  run(m, hand_options("paper", {"we-rm"}));
  EXPECT_NEAR(m.conv(1, 0), 1.01 / 1.1, 1e-6);
  EXPECT_EQ(m.conv(1, 3), -1.0f);
  EXPECT_NEAR(m.conv(3, 0), -0.9975 / 1.05, 1e-6);
  EXPECT_NEAR(m.conv(3, 2), 4.01 / 2.1, 1e-6);
  // Gamma under WE-RM: (0 -> 1), (2 -> 3).
  EXPECT_NEAR(m.gamma(1), (0.01 * 0.01 + 1.0) / 1.01, 1e-6);

  // lambda 0.05 (the paper's): conv limit 0.1 -> c = 0, nothing in conv changes; WE-G ignores RI
  // (c = n_tbd = 2) and gives the hand-worked conv result.
  m = HandModel();
  run(m, parse_we_options("paper", {}, {"rate_conv=1", "rate_bn_gamma=1", "rate_bn_beta=1"}));
  for (int i = 0; i < 16; ++i) EXPECT_EQ(m.arena[i], init.arena[i]) << i;
  m = HandModel();
  const WeReport g = run(m, parse_we_options("paper", {"we-g"}, {"rate_conv=1", "rate_bn_gamma=1", "rate_bn_beta=1"}));
  EXPECT_NEAR(m.conv(1, 0), -0.9, 1e-6);
  EXPECT_EQ(g.pools[0].inferior, 2);
  EXPECT_EQ(g.pools[2].inferior, 2);  // beta: both tbd entries, although only one is within lambda

  // Rates 0 (k = 0, no candidates): nothing changes; WE-L selects by RI alone (c = n_RI = 2).
  m = HandModel();
  run(m, parse_we_options("paper", {}, {"rate_conv=0", "rate_bn_gamma=0", "rate_bn_beta=0", "lambda=0.2"}));
  EXPECT_EQ(m.arena, init.arena);
  m = HandModel();
  run(m, parse_we_options("paper", {"we-l"}, {"rate_conv=0", "rate_bn_gamma=0", "rate_bn_beta=0", "lambda=0.2"}));
  EXPECT_NEAR(m.conv(1, 0), -0.9, 1e-6);
  EXPECT_NEAR(m.conv(3, 0), 1.0025 / 1.05, 1e-6);

  // Fixed alpha 0: m <- l. f1 slice 0 index 0 <- -1; slice 1 index 1 <- 2; gamma 3 <- 1.
  m = HandModel();
  run(m, hand_options("paper", {"fixed-alpha=0"}));
  EXPECT_EQ(m.conv(1, 0), -1.0f);
  EXPECT_EQ(m.conv(1, 3), 2.0f);
  EXPECT_EQ(m.gamma(3), 1.0f);

  // Filter-level-GL: f1 <- a f1 + (1 - a) f0 with a = 0.6 / 4.6 (plain L1 ratio).
  m = HandModel();
  run(m, hand_options("paper", {"filter-level-gl"}));
  const double a = 0.6 / 4.6;
  for (int e = 0; e < 4; ++e) EXPECT_NEAR(m.conv(1, e), a * init.conv(1, e) + (1 - a) * init.conv(0, e), 1e-6);

  // Without BN: BN untouched, conv as hand-worked. Without CONV: the other way round.
  m = HandModel();
  const WeReport nb = run(m, hand_options("paper", {"without-bn"}));
  EXPECT_NEAR(m.conv(1, 0), -0.9, 1e-6);
  for (int i = 16; i < 26; ++i) EXPECT_EQ(m.arena[i], init.arena[i]) << i;
  EXPECT_FALSE(nb.pools[1].enabled || nb.pools[2].enabled);
  m = HandModel();
  run(m, hand_options("paper", {"without-conv"}));
  for (int i = 0; i < 16; ++i) EXPECT_EQ(m.arena[i], init.arena[i]) << i;
  EXPECT_NEAR(m.gamma(3), 0.98, 1e-6);
}

TEST(WeCpu, FallbackCountersPersistAcrossEpochs) {
  // Reference preset on 2 conv layers of 4 filters with near-equal importances (1.005 ... 1.145):
  // no filter is within lambda = 0.1 of its layer's max. At epoch 60 of a single stage,
  // r = sigmoid(4) = 0.982 and k = floor(8 r) = 7, so both layers have candidates and run the RI
  // test. ln_c = 0.5 gives the period 2 conv layers / 0.5 = 4 layer visits: the counter reaches 2
  // after epoch 60, and the 4th visit (epoch 61, layer b) forces n_RI = 1 there and resets it.
  std::vector<float> arena(16);
  for (size_t i = 0; i < arena.size(); ++i) arena[i] = 1.0f + 0.01f * static_cast<float>(i);
  const FilterTable table = FilterTable::build({{"a", K::kConvWeight, 0, {4, 2, 1, 1}, 1, 0},
                                                {"b", K::kConvWeight, 8, {4, 2, 1, 1}, 1, 1}},
                                               16);
  const WeOptions o = parse_we_options("reference", {}, {"rate_conv=1", "fallback_ln_c=0.5"});
  WeState state;
  WeReport r = we_apply_cpu(table, arena.data(), 16, o, 60, {0}, state);
  EXPECT_EQ(r.pools[0].candidates, 7);
  EXPECT_EQ(state.fallback_counter[0], 2);
  EXPECT_EQ(r.pools[0].fallback_forced, 0);
  EXPECT_EQ(r.pools[0].pairs, 0);
  r = we_apply_cpu(table, arena.data(), 16, o, 61, {0}, state);
  EXPECT_EQ(r.pools[0].fallback_forced, 1);
  EXPECT_EQ(r.pools[0].pairs, 1);
  EXPECT_EQ(state.fallback_counter[0], 0);
  // The state survives a checkpoint.
  state.fallback_counter = {5, 1, 2};
  EXPECT_EQ(WeState::from_json(state.to_json()).fallback_counter, state.fallback_counter);
  EXPECT_THROW(WeState::from_json(nlohmann::json{{"fallback_counter", {{"conv", -1}}}}), Error);
  EXPECT_THROW(WeState::from_json(nlohmann::json::object()), Error);
}

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

TEST(WeCpu, RejectsAMismatchedArenaAndHandlesAnEmptyTable) {
  HandModel m;
  WeState state;
  EXPECT_THROW(we_apply_cpu(m.table, m.arena.data(), 25, we_preset("paper"), 0, {0}, state), Error);
  EXPECT_THROW(we_apply_cpu(m.table, m.arena.data(), 26, we_preset("paper"), 0, {3}, state), Error);
  const FilterTable empty = FilterTable::build({}, 0);
  const WeReport r = we_apply_cpu(empty, nullptr, 0, we_preset("paper"), 0, {0}, state);
  EXPECT_EQ(r.pools[0].pool_size, 0);
  EXPECT_EQ(r.pools[0].candidates, 0);
}

}  // namespace
}  // namespace revive
