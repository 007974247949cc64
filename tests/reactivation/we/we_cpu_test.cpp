// Weight Evolution on the CPU (reactivation/we/we_cpu.h) on a hand-worked model: every stage's
// choice checked by hand, both presets, the ablations, fallback counters, bad arguments.
#include "reactivation/we/we_cpu.h"

#include <gtest/gtest.h>

#include <cstring>

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
