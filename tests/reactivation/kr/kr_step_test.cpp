// Kernel Reactivation's schedule and options (docs/kernel-reactivation.md §3.2, §3.3): when the step runs,
// gamma(e) at the period boundaries under both schedules and both epoch conventions, the counts'
// rounding, the presets, validation messages and the JSON of options, report and state.
#include "reactivation/kr/kr_step.h"

#include <gtest/gtest.h>

#include <cmath>

#include "reactivation/kr/kr_math.h"
#include "tests/support/error_message.h"

namespace revive {
namespace {

using testing::error_message;

constexpr double kPi = 3.14159265358979323846;

ReactivationContext at(int epoch, int total) {
  ReactivationContext ctx;
  ctx.epoch = epoch;
  ctx.total_epochs = total;
  return ctx;
}

TEST(KrStep, RunsWhenTheCompletedEpochsAreAMultipleOfThePeriod) {
  const KrOptions o = kr_preset("cifar");  // E = 10
  for (int e : {9, 19, 199}) EXPECT_TRUE(kr_step_applies(o, e)) << e;
  for (int e : {0, 8, 10, 18, 198}) EXPECT_FALSE(kr_step_applies(o, e)) << e;
  KrOptions every = o;
  every.period = 1;
  EXPECT_TRUE(kr_step_applies(every, 0));
}

TEST(KrStep, CosineGammaAtThePeriodBoundaries) {
  const KrOptions o = kr_preset("cifar");  // gamma0 = 0.1; T = 200: 20 steps, the last with gamma 0
  EXPECT_DOUBLE_EQ(kr_gamma(o, at(9, 200)), 0.1 * (1 + std::cos(kPi * 10 / 200)) / 2);
  EXPECT_DOUBLE_EQ(kr_gamma(o, at(99, 200)), 0.05);
  EXPECT_EQ(kr_gamma(o, at(199, 200)), 0.0);  // cos(pi) = -1 exactly
  KrOptions finished = o;
  finished.gamma_epoch = KrGammaEpoch::kJustFinished;
  EXPECT_DOUBLE_EQ(kr_gamma(finished, at(9, 200)), 0.1 * (1 + std::cos(kPi * 9 / 200)) / 2);
  EXPECT_EQ(kr_gamma(finished, at(0, 200)), 0.1);
  EXPECT_GT(kr_gamma(finished, at(199, 200)), 0.0);
  EXPECT_NE(error_message([&] { kr_gamma(o, at(200, 200)); }).find("below the total number of epochs"),
            std::string::npos);
}

TEST(KrStep, LrRatioGammaFollowsTheSchedule) {
  KrOptions o = kr_preset("tiny-imagenet");  // gamma0 = 0.05
  o.gamma_schedule = KrGammaSchedule::kLrRatio;
  ReactivationContext ctx = at(1, 3);
  ctx.epoch_lr = {0.1, 0.1, 0.01, 0.0};  // epochs 0-2, then the end
  EXPECT_DOUBLE_EQ(kr_gamma(o, ctx), 0.05 * 0.01 / 0.1);  // completed: the next epoch's rate
  ctx.epoch = 2;
  EXPECT_EQ(kr_gamma(o, ctx), 0.0);
  o.gamma_epoch = KrGammaEpoch::kJustFinished;
  EXPECT_DOUBLE_EQ(kr_gamma(o, ctx), 0.05 * 0.01 / 0.1);
  ctx.epoch_lr.clear();
  EXPECT_NE(error_message([&] { kr_gamma(o, ctx); }).find("use gamma_schedule=cosine"), std::string::npos);
}

TEST(KrStep, CountsRoundAsAskedWithinTheRange) {
  EXPECT_EQ(kr_count(0.2, 16, KrRounding::kFloor), 3);  // 3.2
  EXPECT_EQ(kr_count(0.2, 16, KrRounding::kCeil), 4);
  EXPECT_EQ(kr_count(0.2, 16, KrRounding::kRound), 3);
  EXPECT_EQ(kr_count(0.25, 10, KrRounding::kRound), 3);  // 2.5 rounds half up
  EXPECT_EQ(kr_count(1.0, 7, KrRounding::kCeil), 7);
  EXPECT_EQ(kr_count(0.0, 7, KrRounding::kCeil), 0);
  // C3 never takes the best kernel: at most I_g - 1, none of a single kernel.
  EXPECT_EQ(kr_kernel_count(1.0, 16, KrRounding::kFloor), 15);
  EXPECT_EQ(kr_kernel_count(0.1, 16, KrRounding::kFloor), 1);
  EXPECT_EQ(kr_kernel_count(0.1, 3, KrRounding::kFloor), 0);
  EXPECT_EQ(kr_kernel_count(1.0, 1, KrRounding::kCeil), 0);
}

TEST(KrStep, PresetsHoldThePapersValues) {
  const KrOptions c = kr_preset("cifar"), t = kr_preset("tiny-imagenet");
  EXPECT_EQ(std::vector<double>({c.alpha, c.beta, c.gamma0}), std::vector<double>({0.2, 0.3, 0.1}));
  EXPECT_EQ(c.period, 10);
  EXPECT_EQ(std::vector<double>({t.alpha, t.beta, t.gamma0}), std::vector<double>({0.1, 0.3, 0.05}));
  EXPECT_EQ(t.period, 10);
  // The proposed readings are the defaults.
  EXPECT_EQ(c.gamma_schedule, KrGammaSchedule::kCosine);
  EXPECT_EQ(c.gamma_epoch, KrGammaEpoch::kCompleted);
  EXPECT_EQ(c.avg_l1_divisor, KrAvgL1Divisor::kInChannels);
  EXPECT_EQ(c.rounding, KrRounding::kFloor);
  EXPECT_EQ(c.alpha_mode, KrAlphaMode::kFraction);
  EXPECT_FALSE(c.skip_1x1);
  EXPECT_TRUE(c.rank_depthwise);
  EXPECT_NE(error_message([] { kr_preset("imagenet"); }).find("cifar, tiny-imagenet"), std::string::npos);
}

TEST(KrStep, ValidationNamesTheOption) {
  KrOptions o = kr_preset("cifar");
  o.beta = 1.5;
  EXPECT_NE(error_message([&] { validate_kr_options(o); }).find("KR option beta"), std::string::npos);
  o = kr_preset("cifar");
  o.period = 0;
  EXPECT_NE(error_message([&] { validate_kr_options(o); }).find("KR option period"), std::string::npos);
  o = kr_preset("cifar");
  o.gamma0 = NAN;
  EXPECT_NE(error_message([&] { validate_kr_options(o); }).find("KR option gamma0"), std::string::npos);
  o = kr_preset("cifar");
  o.alpha = 3;
  EXPECT_NE(error_message([&] { validate_kr_options(o); }).find("KR option alpha"), std::string::npos);
  o.alpha_mode = KrAlphaMode::kL1Threshold;  // an L1 limit may exceed 1
  EXPECT_EQ(error_message([&] { validate_kr_options(o); }), "");
}

TEST(KrStep, OptionsReportAndStateAsJson) {
  KrOptions o = kr_preset("tiny-imagenet");
  o.gamma_schedule = KrGammaSchedule::kLrRatio;
  o.skip_1x1 = true;
  const nlohmann::json j = kr_options_to_json(o);
  EXPECT_EQ(j["preset"], "tiny-imagenet");
  EXPECT_EQ(j["gamma_schedule"], "lr_ratio");
  EXPECT_EQ(j["gamma_epoch"], "completed");
  EXPECT_EQ(j["avg_l1_divisor"], "in_channels");
  EXPECT_EQ(j["rounding"], "floor");
  EXPECT_EQ(j["skip_1x1"], true);
  EXPECT_EQ(j["period"], 10);

  KrReport r;
  r.epoch = 9;
  r.applied = true;
  r.gamma = 0.05;
  r.invalid_filters = 4;
  r.skipped_zero_norm = 2;
  r.conv_fraction_below = {0.1, 0.2, 0.3};
  const nlohmann::json t = r.to_json();
  EXPECT_EQ(t["method"], "kr");
  EXPECT_EQ(t["invalid_filters"], 4);
  EXPECT_EQ(t["skipped_kernels"]["zero_norm"], 2);
  EXPECT_EQ(t["conv_fraction_below"]["1e-2"], 0.2);

  KrState s;
  s.steps_applied = 7;
  EXPECT_EQ(KrState::from_json(s.to_json()).steps_applied, 7);
  EXPECT_NE(error_message([] { KrState::from_json({{"steps_applied", -1}}); }).find("KR state"), std::string::npos);
}

}  // namespace
}  // namespace revive
