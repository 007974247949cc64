#include "reactivation/fg/fg_method.h"

#include "core/option_table.h"
#include "reactivation/fg/fg_graft.h"
#include "reactivation/fg/fg_options.h"
#include "reactivation/fg/fg_reactivator.h"

namespace revive {
namespace {

const OptionTable<FgOptions>& fg_option_table() {
  static const OptionTable<FgOptions> table = [] {
    OptionTable<FgOptions> t;
    t.start_group("Filter Grafting (--method fg, with --models N networks)");
    t.add(&FgOptions::preset, "fg_preset", "--fg-preset",
          "FG preset: paper (alpha unrounded) or reference (the published code: alpha rounded to 2 decimals); "
          "the options below override it")
        .one_of(fg_preset_names());
    t.add_enum(&FgOptions::criterion, "fg_criterion", "--fg-criterion",
               "What alpha compares: entropy (10 bins, natural log) or l1 (whole-layer L1 norm)",
               fg_criterion_names());
    t.add_enum(&FgOptions::variant, "fg_variant", "--fg-variant",
               "Scions: external (network k grafts from k-1, a ring), noise or internal (each network alone), "
               "filter (per filter, from BN gammas)",
               fg_variant_names());
    t.add(&FgOptions::a, "fg_a", "--fg-a", "alpha = (a/pi) arctan(c dH) + 0.5: a").in_range(0, 1);
    t.add(&FgOptions::c, "fg_c", "--fg-c", "alpha = (a/pi) arctan(c dH) + 0.5: c").at_least(0);
    t.add_enum(&FgOptions::scope, "fg_scope", "--fg-scope",
               "What a conv's alpha blends: reference (the conv with the BN, statistics, counters and classifier "
               "after it) or conv-only",
               fg_scope_names());
    t.add_enum(&FgOptions::lr, "fg_lr", "--fg-lr",
               "Initial learning rates: spread (network i of N: lr (1 + cos(pi (N - i) / N)) / 2) or same",
               fg_lr_names());
    t.add(&FgOptions::round_alpha, "fg_round_alpha", "--fg-round-alpha",
          "Decimals alpha is rounded to (-1: not rounded; the preset sets it)")
        .in_range(-1, 15);
    t.add(&FgOptions::noise_threshold, "fg_noise_threshold", "--fg-noise-threshold",
          "Noise scions: conv filters with an L1 norm below this get noise")
        .at_least(0);
    t.add(&FgOptions::noise_decay, "fg_noise_decay", "--fg-noise-decay",
          "Noise scions: the noise's deviation is decay^epoch")
        .above(0)
        .at_most(1);
    t.add(&FgOptions::internal_threshold, "fg_internal_threshold", "--fg-internal-threshold",
          "Internal scions: conv filters with an L1 norm below this receive their mirror filter")
        .at_least(0);
    return t;
  }();
  return table;
}

// The preset named in `given` (paper when none), then every option `given` holds.
FgOptions read(const nlohmann::json& given, bool require_all) {
  FgOptions o = fg_preset(given.is_object() && given.contains("fg_preset") ? given["fg_preset"].get<std::string>()
                                                                           : "paper");
  fg_option_table().read_json(o, given, "--method fg", require_all);
  o.models = 0;  // the run's --models
  return o;
}

}  // namespace

MethodSpec fg_method() {
  MethodSpec m;
  m.name = "fg";
  m.summary = "Filter Grafting (Meng et al., CVPR 2020): N networks graft from each other after each epoch";
  m.options = fg_option_table().decl_list();
  m.resolve = [](const nlohmann::json& given) {
    const FgOptions o = read(given, /*require_all=*/false);
    validate_fg_options(o);
    return fg_option_table().to_json(o);
  };
  m.make = [](const nlohmann::json& resolved) {
    return std::make_unique<FgReactivator>(read(resolved, /*require_all=*/true));
  };
  m.max_networks = 64;
  m.check_networks = [](const nlohmann::json& resolved, int n_networks) {
    FgOptions o = read(resolved, /*require_all=*/true);
    o.models = n_networks;
    validate_fg_options(o);
  };
  // Only filter-level grafting maps a conv's input channels to the BN before it (§2.7), which
  // needs the conv's groups; the other variants read shapes alone.
  m.conv_groups_needed = [](const nlohmann::json& resolved, const Shape&) -> std::string {
    return read(resolved, /*require_all=*/true).variant == FgVariant::kFilter ? "--fg-variant filter" : "";
  };
  m.step_from_scion = [](const nlohmann::json& resolved, const ModelRef& self, const ModelRef& scion) {
    return fg_graft_report_json(fg_graft_from(self, scion, read(resolved, /*require_all=*/true)));
  };
  m.initial_lr = [](const nlohmann::json& resolved, double lr0, int k, int n) {
    return fg_initial_lr(lr0, k, n, read(resolved, /*require_all=*/true).lr);
  };
  return m;
}

}  // namespace revive
