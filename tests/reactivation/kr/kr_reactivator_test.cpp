// KrReactivator: telemetry of applied and skipped epochs, the state it carries, and a run resumed
// from that state equal to an uninterrupted one, bit for bit (on the CPU).
#include "reactivation/kr/kr_reactivator.h"

#include <gtest/gtest.h>

#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "tests/support/error_message.h"

namespace revive {
namespace {

struct Net {
  std::unique_ptr<nn::Module> model = nn::models::make_model("resnet20", 3, 10);
  nn::ParameterArena arena = nn::ParameterArena::build(*model, Device::cpu(), 4);
};

ReactivationContext at(int epoch) {
  ReactivationContext ctx;
  ctx.epoch = epoch;
  ctx.total_epochs = 40;
  return ctx;
}

KrOptions busy() {
  KrOptions o = kr_preset("cifar");
  o.gamma0 = 0.5;
  o.period = 5;
  return o;
}

TEST(KrReactivator, ReportsEveryEpochAndStepsOnThePeriod) {
  Net net;
  KrReactivator kr(busy());
  nlohmann::json t;
  kr.apply_one(at(3), *net.model, net.arena, t);
  EXPECT_EQ(t["method"], "kr");
  EXPECT_EQ(t["applied"], false);
  EXPECT_EQ(t["invalid_filters"], 0);
  EXPECT_TRUE(t["conv_fraction_below"].contains("1e-1"));
  kr.apply_one(at(4), *net.model, net.arena, t);
  EXPECT_EQ(t["applied"], true);
  EXPECT_GT(t["invalid_filters"].get<int64_t>(), 0);
  EXPECT_GT(t["invalid_kernels"].get<int64_t>(), 0);
  EXPECT_TRUE(t["skipped_kernels"].contains("zero_norm"));
  EXPECT_GT(t["elapsed_us"].get<double>(), 0.0);
  EXPECT_EQ(t["steps_applied"], 1);
  EXPECT_EQ(kr.state(), (nlohmann::json{{"steps_applied", 1}}));
}

TEST(KrReactivator, ResumedRunEqualsAnUninterruptedOne) {
  Net straight, resumed;
  nlohmann::json t;
  KrReactivator a(busy());
  for (int e = 0; e < 15; ++e) a.apply_one(at(e), *straight.model, straight.arena, t);

  KrReactivator first(busy());
  for (int e = 0; e < 7; ++e) first.apply_one(at(e), *resumed.model, resumed.arena, t);
  const nlohmann::json saved = first.state();
  KrReactivator second(busy());
  second.load_state(saved);
  nlohmann::json last;
  for (int e = 7; e < 15; ++e) second.apply_one(at(e), *resumed.model, resumed.arena, last);
  EXPECT_EQ(straight.arena.params().to_vector<float>(), resumed.arena.params().to_vector<float>());
  EXPECT_EQ(a.state(), second.state());
  EXPECT_EQ(second.state()["steps_applied"], 3);
  EXPECT_EQ(last["steps_applied"], 3);
}

TEST(KrReactivator, LrRatioReadsTheContextsRates) {
  Net net;
  KrOptions o = busy();
  o.gamma_schedule = KrGammaSchedule::kLrRatio;
  KrReactivator kr(o);
  nlohmann::json t;
  ReactivationContext ctx = at(4);
  for (int e = 0; e <= 40; ++e) ctx.epoch_lr.push_back(e < 5 ? 0.1 : 0.02);
  kr.apply_one(ctx, *net.model, net.arena, t);
  EXPECT_DOUBLE_EQ(t["gamma"].get<double>(), 0.5 * 0.02 / 0.1);
  ctx.epoch_lr.clear();
  EXPECT_NE(testing::error_message([&] { kr.apply_one(ctx, *net.model, net.arena, t); }).find("lr_ratio"),
            std::string::npos);
}

TEST(KrReactivator, StepsOneNetwork) {
  Net a, b;
  KrReactivator kr(busy());
  nlohmann::json t;
  EXPECT_NE(testing::error_message([&] {
              kr.apply(at(4), {ModelRef{a.model.get(), &a.arena}, ModelRef{b.model.get(), &b.arena}}, t);
            }).find("one network"),
            std::string::npos);
  EXPECT_NE(testing::error_message([] { KrReactivator bad([] {
                                          KrOptions o;
                                          o.alpha = -1;
                                          return o;
                                        }()); })
                .find("KR option alpha"),
            std::string::npos);
}

}  // namespace
}  // namespace revive
