#include "reactivation/fg/fg_options.h"

#include <cmath>

#include "core/error.h"

namespace revive {
namespace {

template <class E>
const char* name_of(E value, const std::vector<std::pair<std::string, E>>& names) {
  for (const auto& [name, v] : names)
    if (v == value) return name.c_str();
  return "unknown";
}

// Decimals beyond this would round below double precision near alpha's range: rounding is then moot.
constexpr int kMaxRoundDigits = 15;

}  // namespace

const std::vector<std::string>& fg_preset_names() {
  static const std::vector<std::string> names{"paper", "reference"};
  return names;
}

FgOptions fg_preset(const std::string& name) {
  FgOptions o;  // the defaults are the paper preset (§0.1)
  if (name == "paper") return o;
  if (name == "reference") {
    o.preset = "reference";
    o.round_alpha = 2;  // grafting.py:113, round(..., 2)
    return o;
  }
  std::string valid;
  for (const auto& n : fg_preset_names()) valid += (valid.empty() ? "" : ", ") + n;
  REVIVE_THROW("unknown FG preset '" << name << "': expected one of " << valid);
}

const std::vector<std::pair<std::string, FgCriterion>>& fg_criterion_names() {
  static const std::vector<std::pair<std::string, FgCriterion>> names{{"entropy", FgCriterion::kEntropy},
                                                                      {"l1", FgCriterion::kL1}};
  return names;
}

const std::vector<std::pair<std::string, FgVariant>>& fg_variant_names() {
  static const std::vector<std::pair<std::string, FgVariant>> names{{"external", FgVariant::kExternal},
                                                                    {"noise", FgVariant::kNoise},
                                                                    {"internal", FgVariant::kInternal},
                                                                    {"filter", FgVariant::kFilter}};
  return names;
}

const std::vector<std::pair<std::string, FgScope>>& fg_scope_names() {
  static const std::vector<std::pair<std::string, FgScope>> names{{"reference", FgScope::kReference},
                                                                  {"conv-only", FgScope::kConvOnly}};
  return names;
}

const std::vector<std::pair<std::string, FgLr>>& fg_lr_names() {
  static const std::vector<std::pair<std::string, FgLr>> names{{"spread", FgLr::kSpread}, {"same", FgLr::kSame}};
  return names;
}

const char* fg_criterion_name(FgCriterion v) { return name_of(v, fg_criterion_names()); }
const char* fg_variant_name(FgVariant v) { return name_of(v, fg_variant_names()); }
const char* fg_scope_name(FgScope v) { return name_of(v, fg_scope_names()); }
const char* fg_lr_name(FgLr v) { return name_of(v, fg_lr_names()); }

bool fg_variant_grafts(FgVariant variant) {
  return variant == FgVariant::kExternal || variant == FgVariant::kFilter;
}

void validate_fg_options(const FgOptions& o) {
  REVIVE_CHECK(o.models >= 0 && o.models <= kFgMaxModels,
               "FG needs between 1 and " << kFgMaxModels << " networks (--models), got " << o.models);
  REVIVE_CHECK(!fg_variant_grafts(o.variant) || o.models == 0 || o.models >= 2,
               "the FG variant '" << fg_variant_name(o.variant) << "' grafts each network from another: it needs "
                                  << "--models 2 or more, got " << o.models
                                  << " (the noise and internal variants work on one network)");
  REVIVE_CHECK(std::isfinite(o.a) && o.a >= 0 && o.a <= 1,
               "FG coefficient a must lie in [0, 1] (alpha = (a/pi) arctan(c dH) + 0.5 stays in [0, 1]), got " << o.a);
  REVIVE_CHECK(std::isfinite(o.c) && o.c >= 0, "FG coefficient c must be finite and >= 0, got " << o.c);
  REVIVE_CHECK(o.round_alpha >= -1 && o.round_alpha <= kMaxRoundDigits,
               "FG round_alpha must be -1 (no rounding) or a number of decimals in [0, " << kMaxRoundDigits
                                                                                         << "], got " << o.round_alpha);
  REVIVE_CHECK(std::isfinite(o.noise_threshold) && o.noise_threshold >= 0,
               "FG noise_threshold must be finite and >= 0, got " << o.noise_threshold);
  REVIVE_CHECK(std::isfinite(o.noise_decay) && o.noise_decay > 0 && o.noise_decay <= 1,
               "FG noise_decay must lie in (0, 1] (the noise's deviation is decay^epoch), got " << o.noise_decay);
  REVIVE_CHECK(std::isfinite(o.internal_threshold) && o.internal_threshold >= 0,
               "FG internal_threshold must be finite and >= 0, got " << o.internal_threshold);
}

nlohmann::json fg_options_to_json(const FgOptions& o) {
  return {{"preset", o.preset},
          {"models", o.models},
          {"criterion", fg_criterion_name(o.criterion)},
          {"variant", fg_variant_name(o.variant)},
          {"a", o.a},
          {"c", o.c},
          {"round_alpha", o.round_alpha < 0 ? nlohmann::json("none") : nlohmann::json(o.round_alpha)},
          {"scope", fg_scope_name(o.scope)},
          {"lr", fg_lr_name(o.lr)},
          {"noise_threshold", o.noise_threshold},
          {"noise_decay", o.noise_decay},
          {"internal_threshold", o.internal_threshold}};
}

double fg_initial_lr(double lr0, int k, int n_models, FgLr lr) {
  REVIVE_CHECK(n_models >= 1 && k >= 0 && k < n_models,
               "fg_initial_lr: model " << k << " of " << n_models << " does not exist");
  if (lr == FgLr::kSame) return lr0;
  const double pi = 3.14159265358979323846;
  const int i = k + 1;  // grafting.py numbers the models from 1
  return lr0 * (1.0 + std::cos(pi * static_cast<double>(n_models - i) / static_cast<double>(n_models))) / 2.0;
}

}  // namespace revive
