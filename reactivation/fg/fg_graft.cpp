#include "reactivation/fg/fg_graft.h"

#include "core/error.h"
#include "reactivation/fg/fg_step.h"

namespace revive {

FgReport fg_graft_from(const ModelRef& self, const ModelRef& scion, FgOptions options) {
  REVIVE_CHECK(fg_variant_grafts(options.variant),
               "grafting from a scion needs the FG variant external or filter; '" << fg_variant_name(options.variant)
                                                                                 << "' rewrites a network on its own");
  REVIVE_CHECK(self.model && self.arena && scion.model && scion.arena, "FG graft: a network is missing");
  REVIVE_CHECK(self.arena->device() == scion.arena->device(),
               "FG graft: the network is on " << self.arena->device().str() << " and the scion on "
                                              << scion.arena->device().str());
  options.models = 2;
  FgStepper stepper(options);
  const FgLayout& layout = stepper.layout_for({self, scion});
  // The ring blends both networks; the second one is a copy of the scion, thrown away afterwards.
  const Tensor params = scion.arena->params().clone();
  std::vector<Tensor> buffers;
  FgNetwork copy;
  copy.arena = params.data<float>();
  for (const auto& [name, t] : scion.model->named_buffers()) {
    buffers.push_back(t.clone());
    copy.buffers.push_back(buffers.back().raw_data());
  }
  return stepper.run(layout, {fg_network(*self.model, *self.arena), copy}, self.arena->device(), 0, 0);
}

nlohmann::json fg_graft_report_json(const FgReport& r) {
  nlohmann::json out{{"variant", fg_variant_name(r.variant)}, {"criterion", fg_criterion_name(r.criterion)}};
  if (!r.alpha.empty()) {
    const std::string criterion = fg_criterion_name(r.criterion);
    nlohmann::json groups = nlohmann::json::array();
    for (size_t g = 0; g < r.groups.size(); ++g) {
      groups.push_back({{"conv", r.groups[g]},
                        {criterion, r.criterion_value[0][g]},
                        {"scion_" + criterion, r.criterion_value[1][g]},
                        {"alpha", r.alpha[0][g]}});
    }
    out["groups"] = groups;
  }
  if (!r.mean_channel_weight.empty()) {
    out["mean_channel_weight"] = r.mean_channel_weight[0];
    out["convs_without_input_bn"] = r.convs_without_input_bn;
  }
  out["skipped"] = r.skipped;
  out["elapsed_us"] = r.elapsed_us;
  return out;
}

}  // namespace revive
