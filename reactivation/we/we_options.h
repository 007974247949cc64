// Every option of Weight Evolution (docs/weight-evolution.md §1.8), its two presets (§0.1,
// §1.8), the paper's ablations (§1.10) as named modifiers, and parsing from the CLI's strings.
//
//   preset:     paper (default) | reference            (aliases we-paper, we-reference-cifar)
//   ablations:  we-g, we-l, we-rm, fixed-alpha=<a>, filter-level-gl, without-bn, without-conv
//   overrides:  key=value through we_option_table(), applied after the preset and ablations.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/option_table.h"
#include "reactivation/we/we_enums.h"

namespace revive {

struct WeOptions {
  std::string preset = "paper";
  std::vector<std::string> ablations;  // as applied, for the run's config

  // Base rates r^ of the three global pools (§1.3).
  double rate_conv = 0.05;
  double rate_bn_gamma = 0.05;
  double rate_bn_beta = 0.05;
  // Stage divisors d_t: explicit list (stages past its end keep the last divisor and start, as the
  // reference code's third stage does; §1.3), or empty for beta^(t-1).
  std::vector<double> stage_divisors;
  double beta = 2.5;
  double eta = 15;
  // Stage starts; empty: the LR schedule's stage_boundaries() passed to the step (§0.4).
  std::vector<int> stage_boundaries;

  double ri_threshold = 0.05;  // lambda of §1.4
  bool ri_inclusive = false;   // importance <= lambda*max (reference) or < (paper)
  double fallback_ln_c = 0;    // 0: no fallback; else the counter period is (#conv layers)/ln_c
  WeCrossover crossover = WeCrossover::kPaper;
  double harmonic_eps = 0;     // reference crossover: |m+l| <= eps counts as a zero denominator
  // Which convs get the filter-level blend instead of the element crossover (§1.6a).
  WeFilterLevelBlend filter_level_blend = WeFilterLevelBlend::kNone;
  bool group_aware_ri = false;
  bool apply_conv = true;
  bool apply_bn_gamma = true;
  bool apply_bn_beta = true;
  WeMatching matching = WeMatching::kForward;
  bool alpha_fixed = false;
  double alpha = 0.5;  // used when alpha_fixed
  WeLevel level = WeLevel::kElement;
  WeSelection selection = WeSelection::kBoth;
};

WeOptions we_preset(const std::string& name);
const std::vector<std::string>& we_preset_names();
void apply_we_ablation(WeOptions& options, const std::string& ablation);
const std::vector<std::string>& we_ablation_names();
// The options --we-set sets, each declared once with its valid values (rates in [0, 1], eta > 0,
// ...): key=value parsing, the single-option checks of validate_we_options and
// we_options_to_json all read it. The preset and ablations are not among them.
const OptionTable<WeOptions>& we_option_table();
// Sets one option from "key=value" (keys and choices ignore case and take '-' for '_'; the aliases
// lambda = ri_threshold and depthwise=code_kh1|filter_level|element = filter_level_blend=
// kernel_1x1|depthwise|none are accepted). Throws revive::Error naming the key and what is valid.
void apply_we_override(WeOptions& options, const std::string& key_value);
// The table's keys and their aliases, for messages.
const std::vector<std::string>& we_option_keys();

// Throws revive::Error naming the first invalid option (against its declaration) or the first
// contradiction between options.
void validate_we_options(const WeOptions& options);

// preset, then each ablation, then each key=value override, then validation.
WeOptions parse_we_options(const std::string& preset, const std::vector<std::string>& ablations,
                           const std::vector<std::string>& overrides);

// Every option of the table by key, plus the preset and the ablations applied.
nlohmann::json we_options_to_json(const WeOptions& options);

}  // namespace revive
