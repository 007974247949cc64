// Filter Grafting behind the Reactivator interface: apply() receives every network of the run (the
// options' count, one architecture, one device) and runs one step of the configured variant on
// them (docs/filter-grafting.md, after each epoch's evaluation, §2.6). The telemetry is the
// report's summary (FgReport::summary_json) with the full per-group table under "detail", which
// `revive train` writes to the epoch's detail file (fg/epoch_EEEE.json in the run folder).
//
// FG carries nothing from one epoch to the next: alphas come from the weights of the moment and the
// noise from (seed, epoch, network, element). state() is null and load_state() takes only null.
#pragma once

#include "reactivation/fg/fg_step.h"
#include "reactivation/reactivator.h"

namespace revive {

class FgReactivator final : public Reactivator {
 public:
  // options.models 0: as many networks as the first step gets (a step with another count throws).
  explicit FgReactivator(FgOptions options);
  std::string name() const override { return "fg"; }
  void apply(const ReactivationContext& ctx, const std::vector<ModelRef>& models, nlohmann::json& telemetry) override;
  void load_state(const nlohmann::json& state) override;
  const FgOptions& options() const { return options_; }
  // The report of the last step (for tests and tools).
  const FgReport& last_report() const { return report_; }

 private:
  FgOptions options_;
  std::unique_ptr<FgStepper> stepper_;
  FgReport report_;
};

}  // namespace revive
