#include "reactivation/fg/fg_reactivator.h"

#include "core/error.h"

namespace revive {

FgReactivator::FgReactivator(FgOptions options) : options_(std::move(options)) { validate_fg_options(options_); }

void FgReactivator::apply(const ReactivationContext& ctx, const std::vector<ModelRef>& models,
                          nlohmann::json& telemetry) {
  const int n = static_cast<int>(models.size());
  REVIVE_CHECK(options_.models == 0 || n == options_.models,
               "Filter Grafting was set up for " << options_.models << " networks (--models) but the run trains " << n);
  if (!stepper_ || stepper_->options().models != n) {
    REVIVE_CHECK(!stepper_, "Filter Grafting grafted " << stepper_->options().models << " networks before, now " << n);
    FgOptions o = options_;
    o.models = n;
    stepper_ = std::make_unique<FgStepper>(o);  // checks the variant against the count
  }
  const FgLayout& layout = stepper_->layout_for(models);
  const Device device = models[0].arena->device();
  std::vector<FgNetwork> nets;
  for (const ModelRef& m : models) {
    REVIVE_CHECK(m.arena->device() == device && m.arena->params().numel() == layout.arena_numel(),
                 "FG: every network must be of one architecture on one device (network 0: "
                     << models[0].arena->n_elements() << " parameters on " << device.str() << ", another: "
                     << m.arena->n_elements() << " on " << m.arena->device().str() << ")");
    nets.push_back(fg_network(*m.model, *m.arena));
  }
  report_ = stepper_->run(layout, nets, device, ctx.epoch, ctx.seed);
  telemetry = report_.summary_json();
  telemetry["detail"] = report_.detail_json();
}

void FgReactivator::load_state(const nlohmann::json& state) {
  REVIVE_CHECK(state.is_null(), "Filter Grafting carries no state between epochs, but a checkpoint holds "
                                    << state.dump().substr(0, 80));
}

}  // namespace revive
