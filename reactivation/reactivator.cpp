#include "reactivation/reactivator.h"

#include "core/error.h"
#include "reactivation/we/we_reactivator.h"

namespace revive {
namespace {

// The baseline: training without reactivation, through the same hook so timings compare fairly.
class NoReactivation final : public Reactivator {
 public:
  std::string name() const override { return "none"; }
  void apply(const ReactivationContext&, const std::vector<ModelRef>&, nlohmann::json&) override {}
};

}  // namespace

const std::vector<std::string>& reactivation_methods() {
  static const std::vector<std::string> names{"none", "we"};
  return names;
}

std::unique_ptr<Reactivator> make_reactivator(const std::string& method, const ReactivationOptions& options) {
  if (method == "we") {
    return std::make_unique<WeReactivator>(
        parse_we_options(options.we_preset, options.we_ablations, options.we_overrides));
  }
  const bool we_options_given =
      options.we_preset != ReactivationOptions().we_preset || !options.we_ablations.empty() || !options.we_overrides.empty();
  REVIVE_CHECK(!we_options_given || method != "none",
               "--we-preset, --we-ablation and --we-set apply to --method we, not --method " << method);
  if (method == "none") return std::make_unique<NoReactivation>();
  std::string valid;
  for (const auto& n : reactivation_methods()) valid += (valid.empty() ? "" : ", ") + n;
  REVIVE_THROW("unknown reactivation method '" << method << "': this build implements " << valid);
}

}  // namespace revive
