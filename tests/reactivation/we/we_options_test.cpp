#include "reactivation/we/we_options.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "support/bad_option_text.h"
#include "support/error_message.h"

namespace revive {
namespace {

void expect_error(const std::string& preset, const std::vector<std::string>& ablations,
                  const std::vector<std::string>& overrides, const std::string& needle) {
  try {
    parse_we_options(preset, ablations, overrides);
    ADD_FAILURE() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(WeOptions, PaperPresetIsTheDefault) {
  // §0.1: r^ = 0.05 for the three pools, lambda = 0.05 with '<', d_t = beta^(t-1) with
  // beta = 2.5, eta = 15, no fallback, the paper's crossover on every conv including depthwise.
  const WeOptions o = parse_we_options("", {}, {});
  EXPECT_EQ(o.preset, "paper");
  EXPECT_EQ(o.rate_conv, 0.05);
  EXPECT_EQ(o.rate_bn_gamma, 0.05);
  EXPECT_EQ(o.rate_bn_beta, 0.05);
  EXPECT_TRUE(o.stage_divisors.empty());
  EXPECT_EQ(o.beta, 2.5);
  EXPECT_EQ(o.eta, 15);
  EXPECT_TRUE(o.stage_boundaries.empty());
  EXPECT_EQ(o.ri_threshold, 0.05);
  EXPECT_FALSE(o.ri_inclusive);
  EXPECT_EQ(o.fallback_ln_c, 0);
  EXPECT_EQ(o.crossover, WeCrossover::kPaper);
  EXPECT_EQ(o.filter_level_blend, WeFilterLevelBlend::kNone);
  EXPECT_FALSE(o.group_aware_ri);
  EXPECT_TRUE(o.apply_conv && o.apply_bn_gamma && o.apply_bn_beta);
  EXPECT_EQ(o.matching, WeMatching::kForward);
  EXPECT_FALSE(o.alpha_fixed);
  EXPECT_EQ(o.level, WeLevel::kElement);
  EXPECT_EQ(o.selection, WeSelection::kBoth);
  EXPECT_EQ(parse_we_options("we-paper", {}, {}).preset, "paper");
}

TEST(WeOptions, ReferencePresetFollowsThePublishedCode) {
  // §0.1 and §1.8: 0.2/0.05/0.05, lambda 0.1 with '<=', divisors [1, 2.5, 5], fallback
  // ln_c = 2, harmonic crossover, filter-level blend for 1x1 convs (the code tests the kernel
  // height, §1.6a).
  for (const char* name : {"reference", "we-reference-cifar", "REFERENCE"}) {
    const WeOptions o = parse_we_options(name, {}, {});
    EXPECT_EQ(o.preset, "reference");
    EXPECT_EQ(o.rate_conv, 0.2);
    EXPECT_EQ(o.rate_bn_gamma, 0.05);
    EXPECT_EQ(o.rate_bn_beta, 0.05);
    EXPECT_EQ(o.stage_divisors, (std::vector<double>{1, 2.5, 5}));
    EXPECT_EQ(o.eta, 15);
    EXPECT_EQ(o.ri_threshold, 0.1);
    EXPECT_TRUE(o.ri_inclusive);
    EXPECT_EQ(o.fallback_ln_c, 2);
    EXPECT_EQ(o.crossover, WeCrossover::kReferenceCode);
    EXPECT_EQ(o.filter_level_blend, WeFilterLevelBlend::kKernel1x1);
    EXPECT_EQ(o.matching, WeMatching::kForward);
    EXPECT_EQ(o.selection, WeSelection::kBoth);
  }
}

TEST(WeOptions, AblationsModifyOnlyTheirOption) {
  const WeOptions base = we_preset("paper");
  EXPECT_EQ(parse_we_options("paper", {"we-g"}, {}).selection, WeSelection::kGlobalOnly);
  EXPECT_EQ(parse_we_options("paper", {"WE-L"}, {}).selection, WeSelection::kLocalOnly);
  EXPECT_EQ(parse_we_options("paper", {"we_rm"}, {}).matching, WeMatching::kReverse);
  EXPECT_EQ(parse_we_options("paper", {"filter-level-gl"}, {}).level, WeLevel::kFilter);
  const WeOptions no_bn = parse_we_options("paper", {"without-bn"}, {});
  EXPECT_TRUE(no_bn.apply_conv);
  EXPECT_FALSE(no_bn.apply_bn_gamma || no_bn.apply_bn_beta);
  const WeOptions no_conv = parse_we_options("paper", {"without-conv"}, {});
  EXPECT_FALSE(no_conv.apply_conv);
  EXPECT_TRUE(no_conv.apply_bn_gamma && no_conv.apply_bn_beta);
  const WeOptions fixed = parse_we_options("paper", {"fixed-alpha=0.3"}, {});
  EXPECT_TRUE(fixed.alpha_fixed);
  EXPECT_EQ(fixed.alpha, 0.3);
  // On top of the reference preset, fixed alpha switches to Eq. 5 (the formula Fig. 6 varies);
  // the rest of the preset stays.
  const WeOptions ref_fixed = parse_we_options("reference", {"fixed-alpha=0"}, {});
  EXPECT_EQ(ref_fixed.crossover, WeCrossover::kPaper);
  EXPECT_EQ(ref_fixed.rate_conv, 0.2);
  const WeOptions two = parse_we_options("reference", {"we-rm", "without-bn"}, {});
  EXPECT_EQ(two.ablations, (std::vector<std::string>{"we-rm", "without-bn"}));
  EXPECT_EQ(two.ri_threshold, 0.1);
  EXPECT_EQ(base.ablations.size(), 0u);
}

TEST(WeOptions, OverridesParseEveryKey) {
  const WeOptions o = parse_we_options(
      "paper", {},
      {"rate_conv=0.2", "rate-bn-gamma=0.1", "rate_bn_beta=0", "stage_divisors=1,2,4", "beta=2", "eta=8",
       "stage_boundaries=0,30,60", "lambda=0.1", "ri_inclusive=true", "fallback_ln_c=2", "crossover=reference_code",
       "harmonic_eps=1e-12", "filter_level_blend=depthwise", "group_aware_ri=on", "apply_to=conv,bn_beta", "matching=reverse",
       "level=filter", "selection=global_only"});
  EXPECT_EQ(o.rate_conv, 0.2);
  EXPECT_EQ(o.rate_bn_gamma, 0.1);
  EXPECT_EQ(o.rate_bn_beta, 0);
  EXPECT_EQ(o.stage_divisors, (std::vector<double>{1, 2, 4}));
  EXPECT_EQ(o.beta, 2);
  EXPECT_EQ(o.eta, 8);
  EXPECT_EQ(o.stage_boundaries, (std::vector<int>{0, 30, 60}));
  EXPECT_EQ(o.ri_threshold, 0.1);
  EXPECT_TRUE(o.ri_inclusive);
  EXPECT_EQ(o.fallback_ln_c, 2);
  EXPECT_EQ(o.crossover, WeCrossover::kReferenceCode);
  EXPECT_EQ(o.harmonic_eps, 1e-12);
  EXPECT_EQ(o.filter_level_blend, WeFilterLevelBlend::kDepthwise);
  EXPECT_TRUE(o.group_aware_ri);
  EXPECT_TRUE(o.apply_conv && !o.apply_bn_gamma && o.apply_bn_beta);
  EXPECT_EQ(o.matching, WeMatching::kReverse);
  EXPECT_EQ(o.level, WeLevel::kFilter);
  EXPECT_EQ(o.selection, WeSelection::kGlobalOnly);

  const WeOptions back = parse_we_options("reference", {}, {"stage_divisors=beta", "stage_boundaries=schedule",
                                                            "fallback_ln_c=off", "alpha=0.7", "crossover=paper"});
  EXPECT_TRUE(back.stage_divisors.empty());
  EXPECT_TRUE(back.stage_boundaries.empty());
  EXPECT_EQ(back.fallback_ln_c, 0);
  EXPECT_TRUE(back.alpha_fixed);
  EXPECT_EQ(back.alpha, 0.7);
  EXPECT_FALSE(parse_we_options("paper", {"fixed-alpha=0.2"}, {"alpha=adaptive"}).alpha_fixed);
}

TEST(WeOptions, FilterLevelBlendValuesAndTheOldDepthwiseKey) {
  const auto blend = [](const std::string& kv) { return parse_we_options("paper", {}, {kv}).filter_level_blend; };
  EXPECT_EQ(blend("filter_level_blend=kernel_1x1"), WeFilterLevelBlend::kKernel1x1);
  EXPECT_EQ(blend("filter-level-blend=Kernel-1x1"), WeFilterLevelBlend::kKernel1x1);
  EXPECT_EQ(blend("filter_level_blend=depthwise"), WeFilterLevelBlend::kDepthwise);
  EXPECT_EQ(blend("filter_level_blend=none"), WeFilterLevelBlend::kNone);
  // Runs saved before the rename resume with their we_set: depthwise=code_kh1 | filter_level | element.
  EXPECT_EQ(blend("depthwise=code_kh1"), WeFilterLevelBlend::kKernel1x1);
  EXPECT_EQ(blend("depthwise=filter_level"), WeFilterLevelBlend::kDepthwise);
  EXPECT_EQ(parse_we_options("reference", {}, {"depthwise=element"}).filter_level_blend, WeFilterLevelBlend::kNone);
  expect_error("paper", {}, {"depthwise=kernel_1x1"}, "must be one of code_kh1, filter_level, element");
  EXPECT_EQ(we_options_to_json(parse_we_options("reference", {}, {"depthwise=element"}))["filter_level_blend"], "none");
}

TEST(WeOptions, ClearErrors) {
  expect_error("papr", {}, {}, "unknown WE preset 'papr': expected one of paper, reference");
  expect_error("paper", {"we-x"}, {}, "unknown WE ablation 'we-x'");
  expect_error("paper", {"we-g", "we-l"}, {}, "exclude each other");
  expect_error("paper", {"we-rm", "we-rm"}, {}, "given twice");
  expect_error("paper", {"fixed-alpha"}, {}, "fixed-alpha=<alpha in [0, 1]>");
  expect_error("paper", {"fixed-alpha=1.5"}, {}, "fixed-alpha=1.5: must be a number in [0, 1]");
  expect_error("paper", {"we-g=1"}, {}, "takes no value");
  expect_error("paper", {"without-bn", "without-conv"}, {}, "applies to nothing");
  expect_error("paper", {}, {"rate_conv"}, "expected key=value");
  expect_error("paper", {}, {"rate=0.1"}, "unknown WE option 'rate'");
  expect_error("paper", {}, {"rate_conv=abc"}, "--we-set rate_conv=abc: must be a number in [0, 1]");
  expect_error("paper", {}, {"rate_conv=0.1x"}, "must be a number in [0, 1]");
  expect_error("paper", {}, {"rate_conv=nan"}, "must be a number in [0, 1]");
  expect_error("paper", {}, {"rate_conv=1.5"}, "rate_conv=1.5: must be a number in [0, 1]");
  expect_error("paper", {}, {"stage_divisors=1,0"}, "each element must be a number > 0, or the whole value beta");
  expect_error("paper", {}, {"stage_boundaries=10,20"}, "must start at epoch 0");
  expect_error("paper", {}, {"stage_boundaries=0,20,20"}, "increase strictly");
  expect_error("paper", {}, {"stage_boundaries=0,2.5"}, "must be an integer >= 0");
  expect_error("paper", {}, {"eta=0"}, "eta=0: must be a number > 0");
  expect_error("paper", {}, {"beta=-1"}, "beta=-1: must be a number > 0");
  expect_error("paper", {}, {"lambda=-0.1"}, "lambda=-0.1: must be a number >= 0");
  expect_error("paper", {}, {"fallback_ln_c=-2"}, "fallback_ln_c");
  expect_error("paper", {}, {"ri_inclusive=maybe"}, "must be true or false");
  expect_error("paper", {}, {"crossover=harmonic"}, "must be one of paper, reference_code");
  expect_error("paper", {}, {"filter_level_blend=x"}, "must be one of kernel_1x1, depthwise, none");
  expect_error("paper", {}, {"apply_to=conv,linear"}, "each element must be one of conv, bn_gamma, bn_beta");
  expect_error("reference", {}, {"alpha=0.5"}, "use crossover=paper");
  expect_error("paper", {}, {"harmonic_eps=-1"}, "harmonic_eps");
}

TEST(WeOptions, JsonListsEveryOption) {
  const nlohmann::json j = we_options_to_json(parse_we_options("reference", {"we-rm"}, {"alpha=adaptive"}));
  EXPECT_EQ(j["preset"], "reference");
  EXPECT_EQ(j["ablations"], nlohmann::json::array({"we-rm"}));
  EXPECT_EQ(j["stage_divisors"], nlohmann::json::array({1.0, 2.5, 5.0}));
  EXPECT_EQ(j["stage_boundaries"], "schedule");
  EXPECT_EQ(j["crossover"], "reference_code");
  EXPECT_EQ(j["filter_level_blend"], "kernel_1x1");
  EXPECT_EQ(j["matching"], "reverse");
  EXPECT_EQ(j["alpha"], "adaptive");
  EXPECT_EQ(j["fallback_ln_c"], 2.0);
  EXPECT_EQ(j["apply_to"], nlohmann::json::array({"conv", "bn_gamma", "bn_beta"}));
  EXPECT_EQ(j.size(), 21u);
  EXPECT_EQ(we_options_to_json(we_preset("paper"))["stage_divisors"], "beta");
}

TEST(WeOptions, EveryKeyRefusesABadValueNamingItself) {
  int checked = 0;
  for (const OptionDecl& d : we_option_table().decls()) {
    const std::string bad = testing::bad_option_text(d);
    ASSERT_FALSE(bad.empty()) << d.key << ": every WE option has values it refuses";
    WeOptions o;
    const std::string message = testing::error_message([&] { apply_we_override(o, d.key + "=" + bad); });
    EXPECT_NE(message.find("--we-set " + d.key + "="), std::string::npos) << d.key << " accepted " << bad << ": " << message;
    EXPECT_NE(message.find("must be"), std::string::npos) << d.key << ": " << message;
    ++checked;
  }
  EXPECT_EQ(checked, 19);
  // The keys a user can type: the table's and the alias lambda.
  EXPECT_EQ(we_option_keys().size(), 20u);
}

TEST(WeOptions, EveryOptionRoundTripsThroughItsJsonText) {
  // we_options_to_json's value of each key, typed back as key=value onto the defaults, gives the
  // same options: the table's readers and writers agree, words (beta, schedule, off, adaptive) included.
  for (const char* preset : {"paper", "reference"}) {
    for (const std::vector<std::string>& ablations :
         {std::vector<std::string>{}, {"we-g", "we-rm", "without-bn"}, {"fixed-alpha=0.25", "filter-level-gl"},
          {"we-l", "without-conv"}}) {
      const WeOptions o = parse_we_options(preset, ablations, {"harmonic_eps=1e-9", "stage_boundaries=0,7"});
      const nlohmann::json j = we_options_to_json(o);
      std::vector<std::string> overrides;
      for (const OptionDecl& d : we_option_table().decls()) overrides.push_back(d.key + "=" + option_value_text(j[d.key]));
      WeOptions back = parse_we_options("paper", {}, overrides);
      back.preset = o.preset;
      back.ablations = o.ablations;
      EXPECT_EQ(we_options_to_json(back), j) << preset;
    }
  }
}

TEST(WeOptions, OptionsMadeInCodeAreCheckedAgainstTheSameDeclarations) {
  const auto invalid = [](void (*change)(WeOptions&)) {
    WeOptions o;
    change(o);
    return testing::error_message([&] { validate_we_options(o); });
  };
  EXPECT_NE(invalid([](WeOptions& o) { o.eta = -1; }).find("WE option eta: must be a number > 0"), std::string::npos);
  EXPECT_NE(invalid([](WeOptions& o) { o.rate_bn_beta = 2; }).find("rate_bn_beta: must be a number in [0, 1]"),
            std::string::npos);
  EXPECT_NE(invalid([](WeOptions& o) { o.fallback_ln_c = -2; }).find("fallback_ln_c"), std::string::npos);
  EXPECT_NE(invalid([](WeOptions& o) { o.stage_divisors = {1, -1}; }).find("stage_divisors"), std::string::npos);
  EXPECT_NE(invalid([](WeOptions& o) {
              o.alpha_fixed = true;
              o.alpha = 1.5;
            }).find("WE option alpha: must be a number in [0, 1], or adaptive"),
            std::string::npos);
  EXPECT_EQ(invalid([](WeOptions& o) { o.alpha = 7; }), "");  // unused without alpha_fixed
}

TEST(WeOptions, KeysAndChoicesIgnoreCaseAndDashes) {
  const WeOptions o = parse_we_options("paper", {}, {"RI-Inclusive=TRUE", "Crossover=Reference-Code", "Fallback_LN_C=Off",
                                                     "stage_divisors=BETA", "apply_to=BN-Gamma", "alpha=Adaptive"});
  EXPECT_TRUE(o.ri_inclusive);
  EXPECT_EQ(o.crossover, WeCrossover::kReferenceCode);
  EXPECT_EQ(o.fallback_ln_c, 0);
  EXPECT_TRUE(o.stage_divisors.empty());
  EXPECT_TRUE(!o.apply_conv && o.apply_bn_gamma && !o.apply_bn_beta);
  EXPECT_FALSE(o.alpha_fixed);
  EXPECT_EQ(parse_we_options("paper", {}, {"harmonic_eps=1E-12"}).harmonic_eps, 1e-12);
}

}  // namespace
}  // namespace revive
