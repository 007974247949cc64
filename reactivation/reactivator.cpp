#include "reactivation/reactivator.h"

#include "core/error.h"

namespace revive {
namespace {

// The baseline: training without reactivation, through the same hook so timings compare fairly.
class NoReactivation final : public Reactivator {
 public:
  std::string name() const override { return "none"; }
  void apply(const ReactivationContext&, nn::Module&, nn::ParameterArena&, nlohmann::json&) override {}
};

}  // namespace

const std::vector<std::string>& reactivation_methods() {
  static const std::vector<std::string> names{"none"};
  return names;
}

std::unique_ptr<Reactivator> make_reactivator(const std::string& method) {
  if (method == "none") return std::make_unique<NoReactivation>();
  std::string valid;
  for (const auto& n : reactivation_methods()) valid += (valid.empty() ? "" : ", ") + n;
  REVIVE_THROW("unknown reactivation method '" << method << "': this build implements " << valid);
}

}  // namespace revive
