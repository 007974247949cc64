// --method fg through the method registry: options resolved from the preset and what a user gives,
// the per-network initial rates, and a short run of two networks through the run builder and the
// Trainer (after the last epoch's graft the two networks are one, §2.5).
#include <gtest/gtest.h>

#include <cstring>

#include "core/autograd.h"
#include "reactivation/fg/fg_reactivator.h"
#include "reactivation/registry.h"
#include "support/error_message.h"
#include "support/fg_nets.h"
#include "support/tiny_run.h"

namespace revive {
namespace {

using testing::error_message;

TEST(FgMethod, ResolvesThePresetThenTheGivenOptions) {
  const MethodSpec& fg = find_method("fg");
  const nlohmann::json paper = resolve_method_options(fg, nlohmann::json::object(), "cmd");
  EXPECT_EQ(paper["fg_preset"], "paper");
  EXPECT_EQ(paper["fg_round_alpha"], -1);
  EXPECT_EQ(paper["fg_variant"], "external");
  const nlohmann::json ref = resolve_method_options(fg, {{"fg_preset", "reference"}}, "cmd");
  EXPECT_EQ(ref["fg_round_alpha"], 2);
  const nlohmann::json mixed =
      resolve_method_options(fg, {{"fg_preset", "reference"}, {"fg_round_alpha", -1}, {"fg_scope", "conv-only"}}, "cmd");
  EXPECT_EQ(mixed["fg_round_alpha"], -1);
  EXPECT_EQ(mixed["fg_scope"], "conv-only");
  EXPECT_EQ(resolve_method_options(fg, mixed, "cmd"), mixed);  // resolving twice changes nothing
  EXPECT_NE(error_message([&] { resolve_method_options(fg, {{"fg_a", 2}}, "cmd"); }).find("--fg-a"),
            std::string::npos);
  EXPECT_NE(error_message([&] { resolve_method_options(fg, {{"fg_variant", "outside"}}, "cmd"); }).find("external"),
            std::string::npos);
  const auto made = fg.make(mixed);
  EXPECT_EQ(made->name(), "fg");
  EXPECT_EQ(static_cast<const FgReactivator&>(*made).options().scope, FgScope::kConvOnly);
}

TEST(FgMethod, SpreadsTheInitialLearningRates) {
  const MethodSpec& fg = find_method("fg");
  const nlohmann::json spread = resolve_method_options(fg, nlohmann::json::object(), "cmd");
  EXPECT_NEAR(fg.initial_lr(spread, 0.1, 0, 2), 0.05, 1e-12);
  EXPECT_NEAR(fg.initial_lr(spread, 0.1, 1, 2), 0.1, 1e-12);
  const nlohmann::json same = resolve_method_options(fg, {{"fg_lr", "same"}}, "cmd");
  EXPECT_EQ(fg.initial_lr(same, 0.1, 0, 2), 0.1);
}

std::vector<nlohmann::json> run_fg(RunConfig c, testing::TinyRun& s) {
  Trainer trainer = s.trainer(testing::quiet_trainer_options(c.epochs));
  ReactivationContext ctx = s.run->reactivation_context();
  const std::vector<ModelRef> models = s.run->model_refs();
  trainer.set_after_eval_hook([&](int epoch, nlohmann::json& m) {
    NoGradGuard no_grad;
    ctx.epoch = epoch;
    nlohmann::json telemetry = nlohmann::json::object();
    s.run->reactivator->apply(ctx, models, telemetry);
    m["reactivation"] = telemetry;
  });
  return trainer.fit();
}

TEST(FgMethod, TwoNetworksTrainAndGraftThroughTheTrainer) {
  RunConfig c = testing::tiny_run_config(2, 0.05, 3);
  c.method = "fg";
  c.models = 2;
  c.method_options = resolve_method_options(find_method("fg"), {{"fg_preset", "reference"}}, "test");
  testing::TinyRun s(c);
  EXPECT_EQ(s.run->network(0).initial_lr, 0.025);  // spread: lr (1 + cos(pi / 2)) / 2
  const std::vector<nlohmann::json> lines = run_fg(c, s);
  ASSERT_EQ(lines.size(), 2u);
  for (const nlohmann::json& m : lines) {
    EXPECT_EQ(m["reactivation"]["models"].size(), 2u);
    EXPECT_GT(m["networks"][1]["test_acc"].get<double>(), 0.4);  // both learn (chance is 0.25)
  }
  const Tensor& a = s.run->network(0).arena->params();
  const Tensor& b = s.run->network(1).arena->params();
  EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()), 0);
}

TEST(FgMethod, TakesTheRunsNetworkCountAndRefusesOneForGrafting) {
  auto one = testing::make_fg_nets("resnet20", 1, 2);
  const MethodSpec& fg = find_method("fg");
  nlohmann::json telemetry;
  const auto noise = fg.make(resolve_method_options(fg, {{"fg_variant", "noise"}}, "test"));
  noise->apply({}, testing::fg_refs(one), telemetry);
  EXPECT_EQ(telemetry["models"].size(), 1u);
  const auto external = fg.make(resolve_method_options(fg, nlohmann::json::object(), "test"));
  EXPECT_NE(error_message([&] { external->apply({}, testing::fg_refs(one), telemetry); }).find("--models 2 or more"),
            std::string::npos);
}

}  // namespace
}  // namespace revive
