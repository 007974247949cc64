// FG's presets, validation messages, JSON, and the per-network initial learning rates of §2.2.
#include <gtest/gtest.h>

#include "reactivation/fg/fg_options.h"
#include "support/error_message.h"

namespace revive {
namespace {

using testing::error_message;

TEST(FgOptions, PresetsDifferInRoundingOnly) {
  const FgOptions paper = fg_preset("paper"), reference = fg_preset("reference");
  EXPECT_EQ(paper.round_alpha, -1);
  EXPECT_EQ(reference.round_alpha, 2);
  EXPECT_EQ(paper.a, 0.4);
  EXPECT_EQ(paper.c, 500);
  EXPECT_EQ(reference.scope, FgScope::kReference);
  EXPECT_EQ(paper.variant, FgVariant::kExternal);
  EXPECT_NE(error_message([] { fg_preset("papper"); }).find("paper, reference"), std::string::npos);
}

TEST(FgOptions, ValidationSpeaksOfTheOptions) {
  FgOptions o;
  o.models = 1;
  EXPECT_NE(error_message([&] { validate_fg_options(o); }).find("--models 2 or more"), std::string::npos);
  o.variant = FgVariant::kNoise;
  validate_fg_options(o);
  o = FgOptions();
  o.a = 1.5;
  EXPECT_NE(error_message([&] { validate_fg_options(o); }).find("a must lie in [0, 1]"), std::string::npos);
  o = FgOptions();
  o.c = -1;
  EXPECT_NE(error_message([&] { validate_fg_options(o); }).find("c must be"), std::string::npos);
  o = FgOptions();
  o.noise_decay = 0;
  EXPECT_NE(error_message([&] { validate_fg_options(o); }).find("noise_decay"), std::string::npos);
  o = FgOptions();
  o.round_alpha = 40;
  EXPECT_NE(error_message([&] { validate_fg_options(o); }).find("round_alpha"), std::string::npos);
}

TEST(FgOptions, JsonNamesEveryChoice) {
  FgOptions o = fg_preset("reference");
  o.scope = FgScope::kConvOnly;
  o.criterion = FgCriterion::kL1;
  const nlohmann::json j = fg_options_to_json(o);
  EXPECT_EQ(j["scope"], "conv-only");
  EXPECT_EQ(j["criterion"], "l1");
  EXPECT_EQ(j["round_alpha"], 2);
  EXPECT_EQ(fg_options_to_json(fg_preset("paper"))["round_alpha"], "none");
  for (const auto& [name, v] : fg_variant_names()) EXPECT_EQ(fg_variant_name(v), name);
}

TEST(FgOptions, InitialLearningRatesSpreadOverACosine) {
  // Spec 2.2: N = 2 -> 0.05, 0.1; N = 3 -> 0.025, 0.075, 0.1; N = 4 -> 0.0146, 0.05, 0.0854, 0.1.
  EXPECT_NEAR(fg_initial_lr(0.1, 0, 2, FgLr::kSpread), 0.05, 1e-12);
  EXPECT_NEAR(fg_initial_lr(0.1, 1, 2, FgLr::kSpread), 0.1, 1e-12);
  const double n3[3] = {0.025, 0.075, 0.1};
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(fg_initial_lr(0.1, k, 3, FgLr::kSpread), n3[k], 1e-12);
  const double n4[4] = {0.0146447, 0.05, 0.0853553, 0.1};
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(fg_initial_lr(0.1, k, 4, FgLr::kSpread), n4[k], 1e-7);
  EXPECT_NEAR(fg_initial_lr(0.1, 0, 6, FgLr::kSpread), 0.0066987, 1e-7);
  EXPECT_EQ(fg_initial_lr(0.1, 0, 4, FgLr::kSame), 0.1);
  EXPECT_NE(error_message([] { fg_initial_lr(0.1, 4, 4, FgLr::kSame); }).find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace revive
