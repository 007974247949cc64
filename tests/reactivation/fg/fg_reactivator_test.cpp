// FgReactivator on real networks through the Reactivator interface (every network of a run, the
// telemetry, no state) and the one-step graft of `revive reactivate --scion`.
#include <gtest/gtest.h>

#include <cstring>

#include "optim/sgd.h"
#include "reactivation/fg/fg_graft.h"
#include "reactivation/fg/fg_reactivator.h"
#include "reactivation/fg/reference.h"
#include "support/error_message.h"
#include "support/fg_nets.h"

namespace revive {
namespace {

using testing::fg_states;
using testing::make_fg_nets;

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

TEST(FgReactivator, GraftsEveryNetworkOfTheRunAsTheReferenceDoes) {
  FgOptions o = fg_preset("reference");
  o.models = 3;
  auto nets = make_fg_nets("resnet20", 3, 21), ref = make_fg_nets("resnet20", 3, 21);
  std::vector<std::unique_ptr<optim::SgdOptimizer>> sgd;
  std::vector<Tensor> momentum;
  for (auto& n : nets) {
    optim::SgdOptions so;
    so.momentum = 0.9;
    sgd.push_back(std::make_unique<optim::SgdOptimizer>(so, n.arena->params()));
    Tensor m = sgd.back()->momentum();  // shares the buffer
    m.fill_(0.25f);
    momentum.push_back(sgd.back()->momentum().clone());
  }
  FgReactivator fg(o);
  ReactivationContext ctx;
  ctx.epoch = 7;
  nlohmann::json telemetry;
  fg.apply(ctx, testing::fg_refs(nets), telemetry);
  const FgLayout L = fg_layout(*ref[0].model, *ref[0].arena, o.scope);
  const FgReport expect = fg_reference_step(L, fg_states(ref), o, 7, 0);
  EXPECT_EQ(fg.last_report().alpha, expect.alpha);
  testing::expect_same_state(nets, ref);
  for (size_t k = 0; k < nets.size(); ++k)
    EXPECT_TRUE(same_bits(sgd[k]->momentum(), momentum[k])) << "momentum is never touched";
  EXPECT_EQ(telemetry["epoch"], 7);
  EXPECT_EQ(telemetry["models"].size(), 3u);
  for (const char* k : {"alpha", "entropy"})
    for (const char* stat : {"mean", "min", "max"}) EXPECT_TRUE(telemetry["models"][2][k].contains(stat)) << k << stat;
  EXPECT_EQ(telemetry["detail"]["group_detail"].size(), 19u);
  EXPECT_EQ(telemetry["detail"]["group_detail"][0]["alpha"].size(), 3u);
  EXPECT_TRUE(fg.state().is_null());
  fg.load_state(nullptr);
  EXPECT_NE(testing::error_message([&] { fg.load_state({{"x", 1}}); }).find("no state"), std::string::npos);
  EXPECT_NE(testing::error_message([&] { fg.apply(ctx, testing::fg_refs(make_fg_nets("resnet20", 2, 1)), telemetry); })
                .find("set up for 3 networks"),
            std::string::npos);
}

TEST(FgReactivator, RefusesNetworksOfDifferentArchitectures) {
  FgOptions o = fg_preset("paper");
  auto a = make_fg_nets("resnet20", 1, 1), b = make_fg_nets("mobilenetv2", 1, 1, 0.5f);
  FgReactivator fg(o);
  nlohmann::json t;
  std::vector<ModelRef> mixed{{a[0].model.get(), a[0].arena.get()}, {b[0].model.get(), b[0].arena.get()}};
  EXPECT_NE(testing::error_message([&] { fg.apply({}, mixed, t); }).find("one architecture"), std::string::npos);
}

TEST(FgReactivator, NoiseScionsRunOnOneNetwork) {
  FgOptions o = fg_preset("paper");
  o.models = 1;
  o.variant = FgVariant::kNoise;
  auto nets = make_fg_nets("resnet20", 1, 4), ref = make_fg_nets("resnet20", 1, 4);
  FgReactivator fg(o);
  ReactivationContext ctx;
  ctx.epoch = 2;
  ctx.seed = 1234;
  nlohmann::json telemetry;
  fg.apply_one(ctx, *nets[0].model, *nets[0].arena, telemetry);
  const FgLayout L = fg_layout(*ref[0].model, *ref[0].arena, o.scope);
  const FgReport expect = fg_reference_step(L, fg_states(ref), o, 2, 1234);
  EXPECT_GT(expect.rewritten_filters[0], 0);
  EXPECT_EQ(telemetry["models"][0]["rewritten_filters"], expect.rewritten_filters[0]);
  EXPECT_TRUE(same_bits(nets[0].arena->params(), ref[0].arena->params()));
}

TEST(FgGraft, GraftsOneNetworkFromAScionAndLeavesTheScion) {
  auto nets = make_fg_nets("mobilenetv2", 2, 8, 0.5f), ref = make_fg_nets("mobilenetv2", 2, 8, 0.5f);
  const Tensor scion_before = nets[1].arena->params().clone();
  FgOptions o = fg_preset("reference");
  const FgReport r = fg_graft_from({nets[0].model.get(), nets[0].arena.get()},
                                   {nets[1].model.get(), nets[1].arena.get()}, o);
  // Network 0 of a two-network run grafts from network 1: the same values.
  const FgLayout L = fg_layout(*ref[0].model, *ref[0].arena, o.scope);
  const FgReport expect = fg_reference_step(L, fg_states(ref), o, 0, 0);
  EXPECT_EQ(r.alpha[0], expect.alpha[0]);
  EXPECT_EQ(r.criterion_value, expect.criterion_value);
  const auto a = nets[0].state(), b = ref[0].state();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(same_bits(a[i].second, b[i].second)) << a[i].first;
  EXPECT_TRUE(same_bits(nets[1].arena->params(), scion_before));
  o.variant = FgVariant::kNoise;
  EXPECT_NE(testing::error_message([&] {
              fg_graft_from({nets[0].model.get(), nets[0].arena.get()}, {nets[1].model.get(), nets[1].arena.get()}, o);
            }).find("external or filter"),
            std::string::npos);
}

}  // namespace
}  // namespace revive
