// Kernel Reactivation in the method registry: --kr-preset, --kr-set key=value and --kr-skip-1x1
// resolve to the KrOptions the method runs with, and every mistake is a clear error before any work.
#include "reactivation/kr/kr_method.h"

#include <gtest/gtest.h>

#include "reactivation/kr/kr_reactivator.h"
#include "support/error_message.h"

namespace revive {
namespace {

KrOptions made(const nlohmann::json& given) {
  const MethodSpec& kr = find_method("kr");
  const auto method = kr.make(resolve_method_options(kr, given, "cmd"));
  return dynamic_cast<const KrReactivator&>(*method).options();
}

TEST(KrMethod, ThePresetIsTheDefaultAndOverridesApplyInOrder) {
  EXPECT_EQ(kr_options_to_json(made(nlohmann::json::object())), kr_options_to_json(kr_preset("cifar")));
  const KrOptions o = made({{"kr_preset", "tiny-imagenet"},
                            {"kr_set", {"period=5", "gamma_schedule=lr_ratio", "beta=0.5", "beta=0.4"}},
                            {"kr_skip_1x1", true}});
  EXPECT_EQ(o.preset, "tiny-imagenet");
  EXPECT_EQ(o.alpha, 0.1);
  EXPECT_EQ(o.gamma0, 0.05);
  EXPECT_EQ(o.period, 5);
  EXPECT_EQ(o.beta, 0.4);
  EXPECT_EQ(o.gamma_schedule, KrGammaSchedule::kLrRatio);
  EXPECT_TRUE(o.skip_1x1);
  EXPECT_TRUE(made({{"kr_set", {"rank_depthwise=false", "rounding=ceil"}}}).rounding == KrRounding::kCeil);
}

TEST(KrMethod, EveryOptionOfTheTableCanBeSet) {
  // Each key set to a value other than the default reads back in the options' JSON.
  const nlohmann::json defaults = kr_options_to_json(kr_preset("cifar"));
  const std::vector<std::pair<std::string, nlohmann::json>> values{
      {"alpha", 0.5},         {"alpha_mode", "l1_threshold"}, {"avg_l1_divisor", "filter_size"},
      {"beta", 0.5},          {"gamma0", 0.5},                {"gamma_schedule", "lr_ratio"},
      {"gamma_epoch", "just_finished"}, {"period", 3},        {"rounding", "round"},
      {"skip_1x1", true},     {"rank_depthwise", false}};
  ASSERT_EQ(values.size(), kr_option_table().decls().size());
  for (const auto& [key, value] : values) {
    ASSERT_NE(defaults[key], value) << key;
    const nlohmann::json j = kr_options_to_json(made({{"kr_set", {key + "=" + option_value_text(value)}}}));
    EXPECT_EQ(j[key], value) << key;
  }
}

TEST(KrMethod, MistakesAreClearErrors) {
  const MethodSpec& kr = find_method("kr");
  EXPECT_ERROR(resolve_method_options(kr, {{"kr_set", {"gama0=0.1"}}}, "cmd"), "unknown option 'gama0'; valid: alpha");
  EXPECT_ERROR(resolve_method_options(kr, {{"kr_set", {"beta=2"}}}, "cmd"), "must be a number in [0, 1]");
  EXPECT_ERROR(resolve_method_options(kr, {{"kr_set", {"gamma_schedule=linear"}}}, "cmd"), "cosine, lr_ratio");
  EXPECT_ERROR(resolve_method_options(kr, {{"kr_set", {"alpha=3"}}}, "cmd"), "KR option alpha");
  EXPECT_ERROR(resolve_method_options(kr, {{"kr_preset", "imagenet"}}, "cmd"), "cifar, tiny-imagenet");
  EXPECT_ERROR(resolve_method_options(kr, {{"we_preset", "paper"}}, "cmd"), "not an option of --method kr");
  // An L1 limit may exceed 1.
  EXPECT_EQ(made({{"kr_set", {"alpha_mode=l1_threshold", "alpha=3"}}}).alpha, 3.0);
}

}  // namespace
}  // namespace revive
