#include "optim/schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"

namespace revive::optim {
namespace {

ScheduleOptions base(double lr, int epochs) {
  ScheduleOptions o;
  o.lr = lr;
  o.epochs = epochs;
  return o;
}

// Known values are printed to 7 decimals; 1e-7 absolute is the rounding of the printout.
constexpr double kTol = 1e-7;

TEST(Schedule, CosinePerEpochMatchesKnownValues) {
  // Cosine from 0.1 over 5 epochs: lr of epoch e = 0.05 (1 + cos(pi e / 5)).
  const LrSchedule s = make_schedule("cosine", base(0.1, 5));
  const std::vector<double> expected{0.1, 0.0904508, 0.0654508, 0.0345492, 0.0095492};
  for (int e = 0; e < 5; ++e) {
    EXPECT_NEAR(s.lr_at(e, 0, 100), expected[e], kTol) << "epoch " << e;
    EXPECT_EQ(s.lr_at(e, 99, 100), s.lr_at(e, 0, 100)) << "per-epoch: constant within epoch " << e;
  }
  EXPECT_NEAR(s.lr_at(5, 0, 100), 0.0, 1e-15);
  EXPECT_EQ(s.lr_at(9, 0, 100), 0.0);  // past T it stays at eta_min
  EXPECT_EQ(s.stage_boundaries(), std::vector<int>{0});
}

TEST(Schedule, CosineWithEtaMin) {
  ScheduleOptions o = base(0.1, 4);
  o.eta_min = 0.01;
  const LrSchedule s = make_schedule("cosine", o);
  EXPECT_NEAR(s.lr_at(0, 0, 1), 0.1, 1e-15);
  EXPECT_NEAR(s.lr_at(2, 0, 1), 0.055, 1e-15);  // halfway: eta_min + (lr0 - eta_min) / 2
  EXPECT_NEAR(s.lr_at(4, 0, 1), 0.01, 1e-15);
  EXPECT_EQ(s.lr_at(6, 0, 1), 0.01);
}

TEST(Schedule, CosinePerIteration) {
  ScheduleOptions o = base(0.1, 2);
  o.per_iteration = true;
  const LrSchedule s = make_schedule("cosine", o);
  // T I = 8 iterations: lr = 0.05 (1 + cos(pi (4 e + i) / 8)).
  EXPECT_NEAR(s.lr_at(0, 0, 4), 0.1, 1e-15);
  EXPECT_NEAR(s.lr_at(0, 2, 4), 0.0853553, kTol);  // pi/4
  EXPECT_NEAR(s.lr_at(1, 0, 4), 0.05, 1e-15);      // pi/2
  EXPECT_NEAR(s.lr_at(1, 3, 4), 0.0038060, kTol);  // 7 pi/8
  // At the first iteration of an epoch it agrees with the per-epoch schedule.
  const LrSchedule per_epoch = make_schedule("cosine", base(0.1, 2));
  EXPECT_NEAR(s.lr_at(1, 0, 4), per_epoch.lr_at(1, 0, 4), 1e-15);
  // Strictly decreasing through training.
  double prev = s.lr_at(0, 0, 4);
  for (int e = 0; e < 2; ++e) {
    for (int i = (e == 0 ? 1 : 0); i < 4; ++i) {
      const double lr = s.lr_at(e, i, 4);
      EXPECT_LT(lr, prev) << "epoch " << e << " iteration " << i;
      prev = lr;
    }
  }
}

TEST(Schedule, StepDecaysEveryStepSize) {
  ScheduleOptions o = base(0.1, 90);
  o.step_size = 30;
  o.gamma = 0.1;
  const LrSchedule s = make_schedule("step", o);
  EXPECT_DOUBLE_EQ(s.lr_at(0, 0, 10), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(29, 9, 10), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(30, 0, 10), 0.01);
  EXPECT_DOUBLE_EQ(s.lr_at(59, 0, 10), 0.01);
  EXPECT_DOUBLE_EQ(s.lr_at(60, 0, 10), 0.001);
  EXPECT_DOUBLE_EQ(s.lr_at(89, 0, 10), 0.001);
  EXPECT_EQ(s.stage_boundaries(), (std::vector<int>{0, 30, 60}));
  o.epochs = 91;
  EXPECT_EQ(make_schedule("step", o).stage_boundaries(), (std::vector<int>{0, 30, 60, 90}));
}

TEST(Schedule, MultiStepDecaysAtMilestones) {
  ScheduleOptions o = base(0.1, 200);
  o.milestones = {60, 120, 160};
  o.gamma = 0.2;
  const LrSchedule s = make_schedule("multistep", o);
  EXPECT_DOUBLE_EQ(s.lr_at(59, 0, 1), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(60, 0, 1), 0.02);
  EXPECT_DOUBLE_EQ(s.lr_at(119, 0, 1), 0.02);
  EXPECT_DOUBLE_EQ(s.lr_at(120, 0, 1), 0.004);
  EXPECT_DOUBLE_EQ(s.lr_at(159, 0, 1), 0.004);
  EXPECT_DOUBLE_EQ(s.lr_at(160, 0, 1), 0.0008);
  EXPECT_DOUBLE_EQ(s.lr_at(199, 0, 1), 0.0008);
  EXPECT_EQ(s.stage_boundaries(), (std::vector<int>{0, 60, 120, 160}));
  // A shortened run keeps the paper's milestones; only those inside it start stages.
  o.epochs = 100;
  EXPECT_EQ(make_schedule("multistep", o).stage_boundaries(), (std::vector<int>{0, 60}));
}

TEST(Schedule, Constant) {
  const LrSchedule s = make_schedule("constant", base(0.05, 3));
  EXPECT_EQ(s.lr_at(0, 0, 7), 0.05);
  EXPECT_EQ(s.lr_at(2, 6, 7), 0.05);
  EXPECT_EQ(s.stage_boundaries(), std::vector<int>{0});
}

TEST(Schedule, LinearWarmupPerIteration) {
  ScheduleOptions o = base(0.1, 10);
  o.warmup_epochs = 2;
  o.warmup_start_factor = 0.1;
  const LrSchedule s = make_schedule("constant", o);
  // 2 epochs x 5 iterations: factor 0.1 + 0.9 (5 e + i) / 10.
  EXPECT_NEAR(s.lr_at(0, 0, 5), 0.01, 1e-15);
  EXPECT_NEAR(s.lr_at(0, 1, 5), 0.019, 1e-15);
  EXPECT_NEAR(s.lr_at(1, 0, 5), 0.055, 1e-15);
  EXPECT_NEAR(s.lr_at(1, 4, 5), 0.091, 1e-15);
  EXPECT_EQ(s.lr_at(2, 0, 5), 0.1);
  EXPECT_EQ(s.stage_boundaries(), std::vector<int>{0});

  // Warm-up scales the underlying schedule, whose clock is not shifted: a step decay inside the
  // warm-up shows through.
  ScheduleOptions st = o;
  st.step_size = 1;
  st.gamma = 0.5;
  const LrSchedule step = make_schedule("step", st);
  EXPECT_NEAR(step.lr_at(1, 0, 5), 0.05 * 0.55, 1e-15);
  EXPECT_DOUBLE_EQ(step.lr_at(2, 0, 5), 0.025);

  // With per-iteration cosine: warm-up factor times the cosine value.
  ScheduleOptions co = o;
  co.per_iteration = true;
  const LrSchedule cosine = make_schedule("cosine", co);
  const double cos_value = 0.05 * (1.0 + std::cos(std::acos(-1.0) * 7.0 / 50.0));  // (5*1 + 2) of 10*5 iterations
  EXPECT_NEAR(cosine.lr_at(1, 2, 5), cos_value * (0.1 + 0.9 * 7.0 / 10.0), 1e-15);
}

TEST(Schedule, DescribeSaysWhatItDoes) {
  EXPECT_EQ(make_schedule("cosine", base(0.1, 5)).describe(), "cosine lr 0.1 -> 0 over 5 epochs (per epoch)");
  ScheduleOptions o = base(0.1, 200);
  o.milestones = {60, 120};
  o.warmup_epochs = 5;
  EXPECT_EQ(make_schedule("multistep", o).describe(),
            "multistep lr 0.1, x0.1 at epochs 60,120 over 200 epochs, linear warm-up over 5 epochs from 0.01");
  ScheduleOptions st = base(0.1, 90);
  st.step_size = 30;
  EXPECT_EQ(make_schedule("step", st).describe(), "step lr 0.1, x0.1 every 30 epochs over 90 epochs");
  EXPECT_EQ(make_schedule("constant", base(0.05, 3)).describe(), "constant lr 0.05 over 3 epochs");
}

TEST(Schedule, NamesRoundTrip) {
  ScheduleOptions o = base(0.1, 10);
  EXPECT_EQ(make_schedule("constant", o).kind(), ScheduleKind::kConstant);
  EXPECT_EQ(make_schedule("cosine", o).kind(), ScheduleKind::kCosine);
  o.step_size = 3;
  EXPECT_EQ(make_schedule(schedule_name(ScheduleKind::kStep), o).kind(), ScheduleKind::kStep);
  o.step_size = 0;
  o.milestones = {3};
  EXPECT_EQ(make_schedule(schedule_name(ScheduleKind::kMultiStep), o).kind(), ScheduleKind::kMultiStep);
}

TEST(Schedule, RejectsBadOptions) {
  auto rejects = [](const std::string& name, const ScheduleOptions& o) {
    EXPECT_THROW(make_schedule(name, o), Error) << name << " " << o.lr << " " << o.epochs;
  };
  const ScheduleOptions ok = base(0.1, 10);
  rejects("linear", ok);
  rejects("Cosine", ok);
  rejects("cosine", base(0.1, 0));
  rejects("cosine", base(-0.1, 10));
  rejects("cosine", base(NAN, 10));

  ScheduleOptions o = ok;
  rejects("step", o);  // step_size missing
  o.step_size = 3;
  EXPECT_NO_THROW(make_schedule("step", o));
  rejects("cosine", o);  // step_size is not a cosine option
  o.gamma = 0.0;
  rejects("step", o);
  o.gamma = 1.0;
  rejects("step", o);
  o.gamma = 1.5;
  rejects("step", o);
  o.gamma = NAN;
  rejects("step", o);

  o = ok;
  rejects("multistep", o);  // no milestones
  o.milestones = {5, 3};
  rejects("multistep", o);
  o.milestones = {3, 3};
  rejects("multistep", o);
  o.milestones = {0, 3};
  rejects("multistep", o);
  o.milestones = {3, 6};
  EXPECT_NO_THROW(make_schedule("multistep", o));
  rejects("step", o);  // milestones are not a step option

  o = ok;
  o.eta_min = 0.2;
  rejects("cosine", o);  // above lr0
  o.eta_min = -0.01;
  rejects("cosine", o);
  o.eta_min = 0.01;
  rejects("constant", o);
  o = ok;
  o.per_iteration = true;
  rejects("constant", o);

  o = ok;
  o.warmup_epochs = 10;
  rejects("cosine", o);  // warm-up as long as training
  o.warmup_epochs = -1;
  rejects("cosine", o);
  o.warmup_epochs = 2;
  o.warmup_start_factor = 0.0;
  rejects("cosine", o);
  o.warmup_start_factor = 1.5;
  rejects("cosine", o);
}

TEST(Schedule, RejectsBadQueries) {
  const LrSchedule s = make_schedule("cosine", base(0.1, 5));
  EXPECT_THROW(s.lr_at(-1, 0, 10), Error);
  EXPECT_THROW(s.lr_at(0, 10, 10), Error);
  EXPECT_THROW(s.lr_at(0, -1, 10), Error);
  EXPECT_THROW(s.lr_at(0, 0, 0), Error);
}

}  // namespace
}  // namespace revive::optim
