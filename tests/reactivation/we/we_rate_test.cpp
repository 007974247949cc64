#include "reactivation/we/we_rate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace revive {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST(WeRate, PaperStagesUseBetaPowers) {
  const WeOptions o = we_preset("paper");
  const std::vector<int> b{0, 60, 120};
  // Stage starts: sigmoid(0) = 0.5, so r = r^ / (2 d_t) with d_t = 2.5^(t-1) = 1, 2.5, 6.25.
  WeStage s = we_stage(0, b, o);
  EXPECT_EQ(s.index, 1);
  EXPECT_EQ(s.start, 0);
  EXPECT_EQ(s.divisor, 1);
  EXPECT_DOUBLE_EQ(we_rate(0.05, 0, s, o.eta), 0.025);
  s = we_stage(60, b, o);
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.start, 60);
  EXPECT_DOUBLE_EQ(s.divisor, 2.5);
  EXPECT_DOUBLE_EQ(we_rate(0.05, 60, s, o.eta), 0.01);
  s = we_stage(120, b, o);
  EXPECT_DOUBLE_EQ(s.divisor, 6.25);
  EXPECT_DOUBLE_EQ(we_rate(0.05, 120, s, o.eta), 0.004);
  // Stage ends: epoch 59 -> 0.05 * sigmoid(59/15); epoch 119 -> 0.05/2.5 * sigmoid(59/15).
  s = we_stage(59, b, o);
  EXPECT_EQ(s.index, 1);
  EXPECT_DOUBLE_EQ(we_rate(0.05, 59, s, o.eta), 0.05 * sigmoid(59.0 / 15));
  s = we_stage(119, b, o);
  EXPECT_DOUBLE_EQ(we_rate(0.05, 119, s, o.eta), 0.02 * sigmoid(59.0 / 15));
  // A fourth decay (StepLR(60) also decays at 180) is a fourth stage for beta^(t-1).
  s = we_stage(199, {0, 60, 120, 180}, o);
  EXPECT_EQ(s.index, 4);
  EXPECT_EQ(s.start, 180);
  EXPECT_DOUBLE_EQ(s.divisor, 15.625);
  // Cosine / constant schedules: one stage, r -> r^ after about 3 eta epochs.
  s = we_stage(150, {0}, o);
  EXPECT_EQ(s.index, 1);
  EXPECT_NEAR(we_rate(0.05, 150, s, o.eta), 0.05, 0.05 * 1e-4);
}

TEST(WeRate, ReferenceDivisorListCapsTheStages) {
  const WeOptions o = we_preset("reference");
  const std::vector<int> b{0, 60, 120, 180};  // StepLR(step=60) over 200 epochs (§1.9)
  EXPECT_DOUBLE_EQ(we_rate(0.2, 0, we_stage(0, b, o), o.eta), 0.1);
  EXPECT_DOUBLE_EQ(we_rate(0.2, 60, we_stage(60, b, o), o.eta), 0.2 / 2.5 / 2);
  EXPECT_DOUBLE_EQ(we_rate(0.2, 120, we_stage(120, b, o), o.eta), 0.2 / 5 / 2);
  // we.py:166-168: epochs >= 120 stay in stage 3 with e0 = 120, also past the decay at 180.
  const WeStage s = we_stage(190, b, o);
  EXPECT_EQ(s.index, 3);
  EXPECT_EQ(s.start, 120);
  EXPECT_EQ(s.divisor, 5);
  EXPECT_DOUBLE_EQ(we_rate(0.2, 190, s, o.eta), 0.2 / 5 * sigmoid(70.0 / 15));
}

TEST(WeRate, OptionBoundariesReplaceTheSchedule) {
  WeOptions o = we_preset("paper");
  o.stage_boundaries = {0, 30};
  const WeStage s = we_stage(40, {0, 60}, o);
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.start, 30);
}

TEST(WeRate, ThresholdRankIsFloor) {
  EXPECT_EQ(we_threshold_rank(2032, 0.025), 50);  // 50.8
  EXPECT_EQ(we_threshold_rank(4, 0.5), 2);
  EXPECT_EQ(we_threshold_rank(4, 0.2499), 0);
  EXPECT_EQ(we_threshold_rank(0, 0.5), 0);
  EXPECT_EQ(we_threshold_rank(7, 1.0), 7);
}

TEST(WeRate, RejectsBadBoundaries) {
  const WeOptions o = we_preset("paper");
  EXPECT_THROW(we_stage(0, {}, o), Error);
  EXPECT_THROW(we_stage(0, {5, 60}, o), Error);
  EXPECT_THROW(we_stage(0, {0, 60, 60}, o), Error);
  EXPECT_THROW(we_stage(-1, {0}, o), Error);
}

}  // namespace
}  // namespace revive
