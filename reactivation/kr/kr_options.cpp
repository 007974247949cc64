#include "reactivation/kr/kr_options.h"

#include <cmath>

#include "core/error.h"

namespace revive {
namespace {

template <class E, size_t N>
const char* choice_name(E value, const std::array<std::pair<const char*, E>, N>& names) {
  for (const auto& [name, v] : names)
    if (v == value) return name;
  return "unknown";
}

void check_fraction(const char* key, const char* what, double v) {
  REVIVE_CHECK(std::isfinite(v) && v >= 0.0 && v <= 1.0,
               "KR option " << key << " (" << what << ") must be a fraction in [0, 1], got " << v);
}

}  // namespace

const std::vector<std::string>& kr_preset_names() {
  static const std::vector<std::string> names{"cifar", "tiny-imagenet"};
  return names;
}

KrOptions kr_preset(const std::string& name) {
  KrOptions o;  // the defaults are the cifar preset
  o.preset = name;
  if (name == "cifar") return o;
  if (name == "tiny-imagenet") {
    o.alpha = 0.1;
    o.beta = 0.3;
    o.gamma0 = 0.05;
    o.period = 10;
    return o;
  }
  std::string valid;
  for (const auto& n : kr_preset_names()) valid += (valid.empty() ? "" : ", ") + n;
  REVIVE_THROW("unknown KR preset '" << name << "': expected one of " << valid);
}

void validate_kr_options(const KrOptions& o) {
  if (o.alpha_mode == KrAlphaMode::kFraction) {
    check_fraction("alpha", "the fraction of the model's conv filters C1 keeps", o.alpha);
  } else {
    REVIVE_CHECK(std::isfinite(o.alpha) && o.alpha >= 0.0,
                 "KR option alpha (with alpha_mode=l1_threshold, the average-L1 limit of C1) must be a finite "
                 "number >= 0, got " << o.alpha);
  }
  check_fraction("beta", "the fraction of each conv layer's filters C2 keeps", o.beta);
  check_fraction("gamma0", "the fraction of an invalid filter's kernels C3 rescales at the start", o.gamma0);
  REVIVE_CHECK(o.period >= 1, "KR option period (E: the step runs every E epochs) must be >= 1, got " << o.period);
}

nlohmann::json kr_options_to_json(const KrOptions& o) {
  return {{"preset", o.preset},
          {"alpha", o.alpha},
          {"alpha_mode", choice_name(o.alpha_mode, kKrAlphaModeNames)},
          {"avg_l1_divisor", choice_name(o.avg_l1_divisor, kKrAvgL1DivisorNames)},
          {"beta", o.beta},
          {"gamma0", o.gamma0},
          {"gamma_schedule", choice_name(o.gamma_schedule, kKrGammaScheduleNames)},
          {"gamma_epoch", choice_name(o.gamma_epoch, kKrGammaEpochNames)},
          {"period", o.period},
          {"rounding", choice_name(o.rounding, kKrRoundingNames)},
          {"skip_1x1", o.skip_1x1},
          {"rank_depthwise", o.rank_depthwise}};
}

}  // namespace revive
