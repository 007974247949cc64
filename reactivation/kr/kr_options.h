// Every option of Kernel Reactivation (docs/kernel-reactivation.md), its two presets
// and their validation. The first value of each choice is the reading of docs/kernel-reactivation.md §3.3.
//
//   presets: cifar (alpha, beta, gamma0, E) = (0.2, 0.3, 0.1, 10) (the default; §3.2's text)
//            tiny-imagenet                  = (0.1, 0.3, 0.05, 10)
//
// Depthwise filters have one kernel each, which is their own best kernel, so KR never rescales
// them (§3.3.3): no option changes that. Whether they take part in the rankings
// of C1 and C2 is the option rank_depthwise. Spec 3.3.6's global kernel ranking (one C3 over the
// kernels of every invalid filter) is not offered: C3 is per filter, as the paper describes it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/option_table.h"
#include "reactivation/kr/kr_enums.h"

namespace revive {

struct KrOptions {
  std::string preset = "cifar";
  // C1 (model level): the bottom alpha fraction of the conv filters by average L1, or with
  // alpha_mode = l1_threshold, the filters whose average L1 is below alpha.
  double alpha = 0.2;
  KrAlphaMode alpha_mode = KrAlphaMode::kFraction;
  KrAvgL1Divisor avg_l1_divisor = KrAvgL1Divisor::kInChannels;
  // C2 (layer level): the bottom beta fraction of each conv layer's filters by L1.
  double beta = 0.3;
  // C3 (kernel level): the bottom gamma(e) fraction of each invalid filter's kernels by L1.
  double gamma0 = 0.1;
  KrGammaSchedule gamma_schedule = KrGammaSchedule::kCosine;
  KrGammaEpoch gamma_epoch = KrGammaEpoch::kCompleted;
  // The step runs after the 0-based epoch e when (e + 1) is a multiple of period (E).
  int period = 10;
  KrRounding rounding = KrRounding::kFloor;  // for the counts of C1, C2 and C3
  bool skip_1x1 = false;       // leave 1x1 convs out of the step (§3.3.2)
  bool rank_depthwise = true;  // depthwise filters take part in C1 and C2 (§3.2: all conv filters)
};

// "cifar" or "tiny-imagenet"; throws listing the valid names.
KrOptions kr_preset(const std::string& name);
const std::vector<std::string>& kr_preset_names();

// Throws revive::Error naming the first invalid option, in the CLI's terms.
void validate_kr_options(const KrOptions& options);

// The preset and every field, as kr_option_table names them.
nlohmann::json kr_options_to_json(const KrOptions& options);

// Every field but the preset, by the key `--kr-set key=value` and the options' JSON use (alpha,
// alpha_mode, ..., rank_depthwise), with the values each accepts.
const OptionTable<KrOptions>& kr_option_table();

// Applies one "key=value" (`origin` names it in errors, e.g. "--kr-set").
void apply_kr_override(KrOptions& options, const std::string& key_value, const std::string& origin);

}  // namespace revive
