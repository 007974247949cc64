#include "reactivation/kr/kr_method.h"

#include "core/option_table.h"
#include "reactivation/kr/kr_options.h"
#include "reactivation/kr/kr_reactivator.h"

namespace revive {
namespace {

// What a user gives: a preset, then key=value overrides in order, then --kr-skip-1x1.
struct KrGiven {
  std::string preset = "cifar";
  std::vector<std::string> overrides;
  bool skip_1x1 = false;
};

const OptionTable<KrGiven>& kr_given_options() {
  static const OptionTable<KrGiven> table = [] {
    OptionTable<KrGiven> t;
    t.start_group("Kernel Reactivation (--method kr)");
    t.add(&KrGiven::preset, "kr_preset", "--kr-preset",
          "KR preset: cifar (alpha, beta, gamma0, E) = (0.2, 0.3, 0.1, 10) or tiny-imagenet (0.1, 0.3, 0.05, 10)")
        .one_of(kr_preset_names());
    t.add(&KrGiven::overrides, "kr_set", "--kr-set",
          "KR option override key=value (repeatable), keys: " + kr_option_table().keys())
        .one_per_flag();
    t.add(&KrGiven::skip_1x1, "kr_skip_1x1", "--kr-skip-1x1", "KR: leave 1x1 convolutions out of the step");
    return t;
  }();
  return table;
}

KrOptions parse(const KrGiven& g) {
  KrOptions o = kr_preset(g.preset);
  for (const std::string& kv : g.overrides) apply_kr_override(o, kv, "--kr-set");
  if (g.skip_1x1) o.skip_1x1 = true;
  validate_kr_options(o);
  return o;
}

}  // namespace

MethodSpec kr_method() {
  MethodSpec m;
  m.name = "kr";
  m.summary = "Kernel Reactivation (Lee and Kim, Electronics Letters 2022)";
  m.options = kr_given_options().decl_list();
  m.resolve = [](const nlohmann::json& given) {
    KrGiven g;
    kr_given_options().read_json(g, given, "--method kr", /*require_all=*/false);
    parse(g);  // the preset and every override checked now, before any work
    return kr_given_options().to_json(g);
  };
  m.make = [](const nlohmann::json& resolved) {
    KrGiven g;
    kr_given_options().read_json(g, resolved, "--method kr", /*require_all=*/true);
    return std::make_unique<KrReactivator>(parse(g));
  };
  return m;
}

}  // namespace revive
