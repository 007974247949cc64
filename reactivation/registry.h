// The reactivation methods a build offers, each registered once with everything the rest of revive
// needs to know about it: its name, its options (declared with core/option.h, so the CLI, --help
// and config.json take them from here), how its presets resolve, how many networks a run of it
// trains, and how to make its Reactivator (whose state() goes into checkpoints). The trainer, the
// run builder and the CLI only ever go through this list: adding a method is a folder under
// reactivation/ and one line in reactivation/methods.cpp.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/option.h"
#include "reactivation/reactivator.h"

namespace revive {

struct MethodSpec {
  std::string name;     // --method value
  std::string summary;  // one line for --help, e.g. "Weight Evolution (Lin et al., ACM MM 2021)"
  // The method's options; keys and flags carry the method's prefix (we_preset, --we-preset) so that
  // they cannot collide with the run's or another method's.
  std::vector<OptionDecl> options;
  // The complete options from those a user gave (an object of some of `options`' keys, each
  // already checked against its declaration): defaults and presets filled in, the checks that
  // involve several options done. resolve(resolve(x)) == resolve(x). Throws revive::Error.
  std::function<nlohmann::json(const nlohmann::json& given)> resolve;
  // The method, from resolved options.
  std::function<std::unique_ptr<Reactivator>(const nlohmann::json& resolved)> make;
  // How many networks a run of the method may train side by side (--models).
  int min_networks = 1, max_networks = 1;
  // The checks that tie the network count to the resolved options (Filter Grafting's grafting
  // variants need two or more networks, its noise and internal ones one); throws revive::Error in
  // the user's terms. Empty: min/max_networks say it all. Run before anything trains.
  std::function<void(const nlohmann::json& resolved, int n_networks)> check_networks;
  // Why the method, with these resolved options, reads the groups of the conv whose weight has
  // `weight_shape` ([O, I_g, Kh, Kw]), in the user's terms (e.g. "--we-set group_aware_ri=true"),
  // or "" when it does not. A model known only from its state dict (`revive reactivate` without
  // --model) has groups only where the user gives them (a weight's shape does not say them), and a
  // step that needs one it lacks is refused with this reason. Empty function: the method has not
  // said, and every conv's groups are taken as needed.
  std::function<std::string(const nlohmann::json& resolved, const Shape& weight_shape)> conv_groups_needed;
  // Network k's (0-based, of n) initial learning rate given the run's lr0; empty: lr0 for all.
  std::function<double(const nlohmann::json& resolved, double lr0, int k, int n)> initial_lr;
  // A method that steps a network from a second one's weights (Filter Grafting: `self` takes its
  // share of `scion`, which stays as it is): `revive reactivate --scion`'s step, returning its
  // report. Empty: the method steps each network on its own.
  std::function<nlohmann::json(const nlohmann::json& resolved, const ModelRef& self, const ModelRef& scion)>
      step_from_scion;
};

// Every method of this build, in a stable order ("none" first).
const std::vector<MethodSpec>& reactivation_methods();
// The method named `name`; throws revive::Error listing the registered names for an unknown one.
const MethodSpec& find_method(const std::string& name);

// The method's options resolved from `given` (an object of its option keys; values are checked
// here against the declarations, `origin` naming their source in errors).
nlohmann::json resolve_method_options(const MethodSpec& method, const nlohmann::json& given, const std::string& origin);

}  // namespace revive
