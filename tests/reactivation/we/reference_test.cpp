// The readable Weight Evolution reference (reactivation/we/reference.h): a few steps worked by hand,
// then the tuned CPU path against it on the filter tables of every zoo model, both presets and
// every ablation, several epochs with carried fallback counters (tests/support/we_zoo.h): the same
// selections, pairs, report and counters, and the same arena bits.
#include "reactivation/we/reference.h"

#include <gtest/gtest.h>

#include "nn/models/registry.h"
#include "support/we_zoo.h"

namespace revive {
namespace {

using K = ReactivatableKind;

// ---------------------------------------------------------------------------------------------
// A 1x1 conv a [4, 2, 1, 1] at 0 and a depthwise conv b [4, 1, 2, 2] (groups 4) at 8:
//   a: f0 = [1, -1] (L1 2, average 1)      b: g0 = [0.25, -1, 0.5, 0.25] (L1 = average = 2)
//      f1 = [0.1, 0.2] (0.3, 0.15)            g1 = [0.1, 0.3, 0.1, -0.1]   (0.6)
//      f2 = [2, 2] (4, 2)                     g2 = [1, 1, 1, 1]            (4)
//      f3 = [0.05, -0.05] (0.1, 0.05)         g3 = [-0.1, 0.1, 0.1, -0.1]  (0.4)
// Rate 1 at epoch 0 of one stage: r = 0.5, k = floor(8 r) = 4. The pool sorted: 0.05, 0.15, 0.4,
// 0.6, 1, 2, 2, 4, so th = 1: candidates f1, f3 in a, g1, g3 in b.
// ---------------------------------------------------------------------------------------------
struct HandTable {
  std::vector<float> arena{1.0f,  -1.0f, 0.1f, 0.2f, 2.0f, 2.0f, 0.05f, -0.05f,  // a
                           0.25f, -1.0f, 0.5f, 0.25f, 0.1f, 0.3f, 0.1f, -0.1f,   // b: g0, g1
                           1.0f,  1.0f,  1.0f, 1.0f,  -0.1f, 0.1f, 0.1f, -0.1f};  // g2, g3
  FilterTable table = FilterTable::build({{"a", K::kConvWeight, 0, {4, 2, 1, 1}, 1, 0},
                                          {"b", K::kConvWeight, 8, {4, 1, 2, 2}, 4, 1}},
                                         24);
  WeReferenceTrace trace;
  WeReport run(const std::string& preset, const std::vector<std::string>& ablations = {}) {
    WeState state;
    return we_apply_reference(table, arena.data(), 24, parse_we_options(preset, ablations, {"rate_conv=1"}), 0, {0},
                              state, &trace);
  }
};

TEST(WeReference, ReferencePresetByHand) {
  HandTable t;
  const WeReport r = t.run("reference");
  // lambda 0.1 with '<=': a's limit 0.2 holds f1 and f3 (c = 2); b's limit 0.4 holds g3 exactly
  // (0.4 <= 0.4; the paper's '<' would not), c = 1. Period 2 conv layers / ln_c 2 = 1, no forcing.
  EXPECT_EQ(r.pools[0].candidates, 4);
  EXPECT_EQ(r.pools[0].inferior, 3);
  EXPECT_EQ(r.pools[0].pairs, 3);
  EXPECT_EQ(r.pools[0].fallback_forced, 0);
  // a in descending order f2, f0, f1, f3: pairs (f2, f1), (f0, f3); b: g2, g0, g1, g3: (g2, g3).
  EXPECT_EQ(t.trace.dominant, (std::vector<int32_t>{2, 0, 6}));
  EXPECT_EQ(t.trace.inferior, (std::vector<int32_t>{1, 3, 7}));
  // a is 1x1: whole filters blend (§1.6a). f1 <- a f1 + (1 - a) f2 with a = 0.3 / 4.3;
  // f3 <- a f3 + (1 - a) f0 with a = 0.1 / 2.1.
  EXPECT_NEAR(t.arena[2], 8.03 / 4.3, 1e-6);
  EXPECT_NEAR(t.arena[3], 8.06 / 4.3, 1e-6);
  EXPECT_NEAR(t.arena[6], 2.005 / 2.1, 1e-6);
  EXPECT_NEAR(t.arena[7], -2.005 / 2.1, 1e-6);
  // b is depthwise with Kh = 2: the element crossover. l = 1 (g2's first), m = -0.1 (g3's
  // first of |0.1| four times); 2ml / (m + l) = -0.2 / 0.9 goes to both elements equal to -0.1.
  EXPECT_NEAR(t.arena[20], -0.2 / 0.9, 1e-6);
  EXPECT_EQ(t.arena[21], 0.1f);
  EXPECT_EQ(t.arena[22], 0.1f);
  EXPECT_NEAR(t.arena[23], -0.2 / 0.9, 1e-6);
  EXPECT_EQ(r.pools[0].crossover.updated_elements, 6);
  // Dominants and unselected filters keep their values.
  const HandTable init;
  for (int i : {0, 1, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}) EXPECT_EQ(t.arena[i], init.arena[i]) << i;
  // No BN: the BN pools are empty.
  EXPECT_EQ(r.pools[1].pool_size, 0);
  EXPECT_EQ(r.pools[1].pairs, 0);
}

TEST(WeReference, PaperPresetByHand) {
  HandTable t;
  const WeReport r = t.run("paper");
  // lambda 0.05 with '<': a's limit 0.1 holds f3 only (c = 1, pair (f2, f3)); b's limit 0.2 none.
  EXPECT_EQ(r.pools[0].candidates, 4);
  EXPECT_EQ(r.pools[0].inferior, 1);
  EXPECT_EQ(t.trace.dominant, (std::vector<int32_t>{2}));
  EXPECT_EQ(t.trace.inferior, (std::vector<int32_t>{3}));
  // Element crossover on the 1x1 conv, every element its own slice (Eq. 5-6): (0.05, 2):
  // a = 0.05 / 2.05, m' = (0.0025 + 4) / 2.05; (-0.05, 2): m' = (-0.0025 + 4) / 2.05.
  EXPECT_NEAR(t.arena[6], 4.0025 / 2.05, 1e-6);
  EXPECT_NEAR(t.arena[7], 3.9975 / 2.05, 1e-6);
  EXPECT_EQ(r.pools[0].crossover.updated_elements, 2);
}

// 1x1 convs of one input channel: importance = |w|. WE-G takes every candidate (c = n_tbd).
WeReferenceTrace pairs_of(std::vector<float> w, int epoch, const std::vector<std::string>& ablations) {
  const int64_t n = static_cast<int64_t>(w.size());
  const FilterTable table = FilterTable::build({{"c", K::kConvWeight, 0, {n, 1, 1, 1}, 1, 0}}, n);
  std::vector<std::string> all{"we-g"};
  all.insert(all.end(), ablations.begin(), ablations.end());
  WeState state;
  WeReferenceTrace trace;
  we_apply_reference(table, w.data(), n, parse_we_options("paper", all, {"rate_conv=1"}), epoch, {0}, state, &trace);
  return trace;
}

TEST(WeReference, TiesGoByIndexAndZipStopsAtTheShorterList) {
  // [0.5, 0.1, 0.5, 0.05, 0.1, 0.9], k = 3: th = 0.5, candidates {1, 3, 4}, c = 3 = N - c.
  // Descending, ties by index: 5, 0, 2, 1, 4, 3. Forward: (5, 1), (0, 4), (2, 3); reverse
  // matching takes the inferior ascending, ties again by index: 3, 1, 4.
  const std::vector<float> w{0.5f, 0.1f, 0.5f, 0.05f, 0.1f, 0.9f};
  WeReferenceTrace t = pairs_of(w, 0, {});
  EXPECT_EQ(t.dominant, (std::vector<int32_t>{5, 0, 2}));
  EXPECT_EQ(t.inferior, (std::vector<int32_t>{1, 4, 3}));
  t = pairs_of(w, 0, {"we-rm"});
  EXPECT_EQ(t.inferior, (std::vector<int32_t>{3, 1, 4}));
  // [0.9, 0.1, 0.2, 0.3] at epoch 100: r = sigmoid(100/15) = 0.9987, k = 3, th = 0.9: c = 3 > N - c
  // = 1. One pair: forward gives the largest inferior (3), reverse the smallest (1).
  t = pairs_of({0.9f, 0.1f, 0.2f, 0.3f}, 100, {});
  EXPECT_EQ(t.layers[0].n_inferior, 3);
  EXPECT_EQ(t.dominant, (std::vector<int32_t>{0}));
  EXPECT_EQ(t.inferior, (std::vector<int32_t>{3}));
  EXPECT_EQ(pairs_of({0.9f, 0.1f, 0.2f, 0.3f}, 100, {"we-rm"}).inferior, (std::vector<int32_t>{1}));
  // Ties at the threshold: [0.5, 0.1, 0.1, 0.1], k = 2: th = 0.1 and nothing is strictly below it.
  t = pairs_of({0.5f, 0.1f, 0.1f, 0.1f}, 0, {});
  EXPECT_TRUE(t.threshold[0].has_value());
  EXPECT_EQ(*t.threshold[0], 0.1f);
  EXPECT_EQ(t.layers[0].n_tbd, 0);
  EXPECT_TRUE(t.inferior.empty());
}

// ---------------------------------------------------------------------------------------------
// The tuned CPU path against the reference on the zoo.
// ---------------------------------------------------------------------------------------------
class WeReferenceZoo : public ::testing::TestWithParam<std::string> {};

TEST_P(WeReferenceZoo, TunedCpuPathGivesTheSameBits) {
  const testing::WeZooModel m = testing::we_zoo_model(GetParam(), 7);
  testing::WeCpuPath cpu;
  const testing::WeZooTotals totals = testing::compare_with_reference(m, {&cpu});
  // Not vacuous: conv and BN pairs in every model, forced fallbacks and skipped blends somewhere.
  EXPECT_GT(totals.pairs[0], 0);
  EXPECT_GT(totals.pairs[1], 0);
  EXPECT_GT(totals.pairs[2], 0);
  EXPECT_GT(totals.fallback_forced, 0);
  EXPECT_GT(totals.skipped, 0);
}

INSTANTIATE_TEST_SUITE_P(Models, WeReferenceZoo, ::testing::ValuesIn(nn::models::model_names()));

}  // namespace
}  // namespace revive
