// GraphStep's routing where no GPU runs it: on the CPU every step is eager; a capture that fails
// (here: no CUDA device, or no CUDA backend) leaves the step eager from then on and says why. The
// replays themselves are tested on a GPU (tests/cuda/graph_step_test.cpp).
#include "optim/graph_step.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace revive::optim {
namespace {

TEST(GraphStep, OnTheCpuEveryStepIsEager) {
  GraphStep g(Device::cpu());
  int ran = 0;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(g.run({128, 3, 32, 32}, [&] { ++ran; }), StepRoute::kEager);
  EXPECT_EQ(ran, 5);
  EXPECT_EQ(g.eager_steps(), 5);
  EXPECT_EQ(g.replayed_steps(), 0);
  EXPECT_FALSE(g.captured());
  EXPECT_EQ(g.capture_error(), "");
}

TEST(GraphStep, AFailedCaptureFallsBackToEagerAndSaysWhy) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device would capture the step";
  GraphStepOptions o;
  o.warmup = 2;
  GraphStep g(Device::cuda(), o);
  int ran = 0;
  const auto step = [&] { ++ran; };
  EXPECT_EQ(g.run({8}, step), StepRoute::kEager);  // warm-up
  EXPECT_EQ(g.run({8}, step), StepRoute::kEager);  // warm-up
  EXPECT_EQ(g.capture_error(), "");
  EXPECT_EQ(g.run({8}, step), StepRoute::kEager);  // the capture fails: the step runs eagerly
  EXPECT_NE(g.capture_error().find("CUDA"), std::string::npos) << g.capture_error();
  EXPECT_EQ(g.run({8}, step), StepRoute::kEager);
  EXPECT_EQ(ran, 4);
  EXPECT_FALSE(g.captured());
}

TEST(GraphStep, NeedsAWarmUpStep) {
  GraphStepOptions o;
  o.warmup = 0;
  EXPECT_THROW(GraphStep(Device::cuda(), o), Error);
  EXPECT_STREQ(step_route_name(StepRoute::kReplayed), "replayed");
}

}  // namespace
}  // namespace revive::optim
