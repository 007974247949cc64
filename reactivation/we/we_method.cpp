#include "reactivation/we/we_method.h"

#include "core/option_table.h"
#include "reactivation/we/we_options.h"
#include "reactivation/we/we_reactivator.h"

namespace revive {
namespace {

// What a user gives: a preset, ablations and key=value overrides, applied in that order.
struct WeGiven {
  std::string preset = "paper";
  std::vector<std::string> ablations;
  std::vector<std::string> overrides;
};

const OptionTable<WeGiven>& we_given_options() {
  static const OptionTable<WeGiven> table = [] {
    OptionTable<WeGiven> t;
    t.start_group("Weight Evolution (--method we)");
    t.add(&WeGiven::preset, "we_preset", "--we-preset",
          "WE preset: paper (the paper's formulas and rates) or reference (the published code's behaviour)")
        .one_of({"paper", "reference", "we-paper", "we-reference-cifar"});
    t.add(&WeGiven::ablations, "we_ablations", "--we-ablation",
          "WE ablations (comma-separated or repeated): we-g, we-l, we-rm, fixed-alpha=<a>, filter-level-gl, "
          "without-bn, without-conv");
    std::string keys;
    for (const std::string& k : we_option_keys()) keys += (keys.empty() ? "" : ", ") + k;
    t.add(&WeGiven::overrides, "we_set", "--we-set",
          "WE option override key=value (repeatable), applied after the preset and ablations; keys: " + keys +
              " (docs/weight-evolution.md lists their values)")
        .one_per_flag();
    return t;
  }();
  return table;
}

WeOptions parse(const WeGiven& g) { return parse_we_options(g.preset, g.ablations, g.overrides); }

WeOptions parse_resolved(const nlohmann::json& resolved) {
  WeGiven g;
  we_given_options().read_json(g, resolved, "--method we", /*require_all=*/true);
  return parse(g);
}

}  // namespace

MethodSpec we_method() {
  MethodSpec m;
  m.name = "we";
  m.summary = "Weight Evolution (Lin et al., ACM MM 2021)";
  m.options = we_given_options().decl_list();
  m.resolve = [](const nlohmann::json& given) {
    WeGiven g;
    we_given_options().read_json(g, given, "--method we", /*require_all=*/false);
    parse(g);  // every preset, ablation and override checked now, before any work
    return we_given_options().to_json(g);
  };
  m.make = [](const nlohmann::json& resolved) { return std::make_unique<WeReactivator>(parse_resolved(resolved)); };
  m.conv_groups_needed = [](const nlohmann::json& resolved, const Shape&) {
    // The relative-importance max per group (§1.4); the depthwise blend reads I_g == 1 from shapes.
    return parse_resolved(resolved).group_aware_ri ? std::string("--we-set group_aware_ri=true") : std::string();
  };
  return m;
}

}  // namespace revive
