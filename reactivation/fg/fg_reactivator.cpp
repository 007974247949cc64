#include "reactivation/fg/fg_reactivator.h"

#include "core/error.h"

namespace revive {

void FgReactivator::apply(const ReactivationContext& ctx, const std::vector<ModelRef>& models,
                          nlohmann::json& telemetry) {
  const FgOptions& o = stepper_.options();
  REVIVE_CHECK(static_cast<int>(models.size()) == o.models,
               "Filter Grafting was set up for " << o.models << " networks (--models) but the run trains "
                                                  << models.size());
  const FgLayout& layout = stepper_.layout_for(models);
  const Device device = models[0].arena->device();
  std::vector<FgNetwork> nets;
  for (const ModelRef& m : models) {
    REVIVE_CHECK(m.arena->device() == device && m.arena->n_elements() == layout.arena_numel(),
                 "FG: every network must be of one architecture on one device (network 0: "
                     << layout.arena_numel() << " parameters on " << device.str() << ", another: "
                     << m.arena->n_elements() << " on " << m.arena->device().str() << ")");
    nets.push_back(fg_network(*m.model, *m.arena));
  }
  report_ = stepper_.run(layout, nets, device, ctx.epoch, ctx.seed);
  telemetry = report_.summary_json();
  telemetry["detail"] = report_.detail_json();
}

void FgReactivator::load_state(const nlohmann::json& state) {
  REVIVE_CHECK(state.is_null(), "Filter Grafting carries no state between epochs, but a checkpoint holds "
                                    << state.dump().substr(0, 80));
}

}  // namespace revive
