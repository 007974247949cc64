#include "reactivation/kr/kr_options.h"

#include <cmath>

#include "core/error.h"

namespace revive {
namespace {

void check_fraction(const char* key, const char* what, double v) {
  REVIVE_CHECK(std::isfinite(v) && v >= 0.0 && v <= 1.0,
               "KR option " << key << " (" << what << ") must be a fraction in [0, 1], got " << v);
}

OptionTable<KrOptions> make_table() {
  using O = KrOptions;
  OptionTable<O> t;
  t.add(&O::alpha, "alpha", "", "C1: the fraction of the model's conv filters of least average L1 (or, with "
                                "alpha_mode=l1_threshold, the average-L1 limit)")
      .at_least(0);
  t.add_enum(&O::alpha_mode, "alpha_mode", "", "How C1 reads alpha",
             {{"fraction", KrAlphaMode::kFraction}, {"l1_threshold", KrAlphaMode::kL1Threshold}});
  t.add_enum(&O::avg_l1_divisor, "avg_l1_divisor", "", "C1's average L1: L / I_g, or L / (I_g Kh Kw), the mean |w|",
             {{"in_channels", KrAvgL1Divisor::kInChannels}, {"filter_size", KrAvgL1Divisor::kFilterSize}});
  t.add(&O::beta, "beta", "", "C2: the fraction of each conv layer's filters of least L1").in_range(0, 1);
  t.add(&O::gamma0, "gamma0", "", "C3: the fraction of an invalid filter's kernels rescaled at the start")
      .in_range(0, 1);
  t.add_enum(&O::gamma_schedule, "gamma_schedule", "",
             "gamma(e): gamma0 (1 + cos(pi e / T)) / 2, or gamma0 lr(e) / lr(0) from the run's schedule",
             {{"cosine", KrGammaSchedule::kCosine}, {"lr_ratio", KrGammaSchedule::kLrRatio}});
  t.add_enum(&O::gamma_epoch, "gamma_epoch", "",
             "e in gamma(e) after the 0-based epoch e0: the completed epochs (e0 + 1) or e0 itself",
             {{"completed", KrGammaEpoch::kCompleted}, {"just_finished", KrGammaEpoch::kJustFinished}});
  t.add(&O::period, "period", "", "E: the step runs after epoch e0 when (e0 + 1) is a multiple of E").at_least(1);
  t.add_enum(&O::rounding, "rounding", "", "How the fractions of C1, C2 and C3 become counts",
             {{"floor", KrRounding::kFloor}, {"ceil", KrRounding::kCeil}, {"round", KrRounding::kRound}});
  t.add(&O::skip_1x1, "skip_1x1", "", "Leave 1x1 convolutions out of the step");
  t.add(&O::rank_depthwise, "rank_depthwise", "",
        "Depthwise filters (never rescaled: one kernel each) take part in C1 and C2");
  return t;
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

const OptionTable<KrOptions>& kr_option_table() {
  static const OptionTable<KrOptions> table = make_table();
  return table;
}

void apply_kr_override(KrOptions& o, const std::string& key_value, const std::string& origin) {
  kr_option_table().set_key_value(o, key_value, origin);
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
  nlohmann::json j = kr_option_table().to_json(o);
  j["preset"] = o.preset;
  return j;
}

}  // namespace revive
