// The list of reactivation methods (reactivation/registry.h). A new method adds its folder and one
// line here.
#include <algorithm>

#include "core/error.h"
#include "reactivation/fg/fg_method.h"
#include "reactivation/kr/kr_method.h"
#include "reactivation/registry.h"
#include "reactivation/we/we_method.h"

namespace revive {
namespace {

// The baseline: training without reactivation, through the same hook so timings compare fairly.
class NoReactivation final : public Reactivator {
 public:
  std::string name() const override { return "none"; }
  void apply(const ReactivationContext&, const std::vector<ModelRef>&, nlohmann::json&) override {}
};

MethodSpec none_method() {
  MethodSpec m;
  m.name = "none";
  m.summary = "no reactivation: the plain baseline";
  // N independent networks: the baseline of a method that trains N side by side.
  m.max_networks = 64;
  m.resolve = [](const nlohmann::json&) { return nlohmann::json::object(); };
  m.make = [](const nlohmann::json&) { return std::make_unique<NoReactivation>(); };
  return m;
}

}  // namespace

const std::vector<MethodSpec>& reactivation_methods() {
  static const std::vector<MethodSpec> methods{none_method(), we_method(), kr_method(), fg_method()};
  return methods;
}

const MethodSpec& find_method(const std::string& name) {
  const auto& all = reactivation_methods();
  auto it = std::find_if(all.begin(), all.end(), [&](const MethodSpec& m) { return m.name == name; });
  if (it != all.end()) return *it;
  std::string valid;
  for (const auto& m : all) valid += (valid.empty() ? "" : ", ") + m.name;
  REVIVE_THROW("unknown reactivation method '" << name << "': this build offers " << valid);
}

nlohmann::json resolve_method_options(const MethodSpec& method, const nlohmann::json& given, const std::string& origin) {
  REVIVE_CHECK(given.is_object(), origin << ": the method's options must be a JSON object");
  for (const auto& [key, value] : given.items()) {
    auto it = std::find_if(method.options.begin(), method.options.end(), [&](const OptionDecl& d) { return d.key == key; });
    REVIVE_CHECK(it != method.options.end(), origin << ": '" << key << "' is not an option of --method " << method.name);
    check_option_value(*it, value, origin + ": " + it->display_name());
  }
  return method.resolve(given);
}

}  // namespace revive
