// Weight Evolution behind the Reactivator interface: builds the filter table from the model's arena
// on first use, keeps WE's cross-epoch state (the fallback counters) and its scratch buffers, and
// reports the step's telemetry into the epoch's metrics line. Runs where the arena is: we_apply_cpu
// on the CPU, we_apply_cuda (with its device workspace, built once) on CUDA.
#pragma once

#include <memory>

#include "reactivation/reactivator.h"
#include "reactivation/we/we_cpu.h"
#include "reactivation/we/we_cuda.h"

namespace revive {

class WeReactivator final : public Reactivator {
 public:
  explicit WeReactivator(WeOptions options);
  std::string name() const override { return "we"; }
  // WE steps one network: `models` must hold exactly one.
  void apply(const ReactivationContext& ctx, const std::vector<ModelRef>& models, nlohmann::json& telemetry) override;
  nlohmann::json state() const override { return state_.to_json(); }
  void load_state(const nlohmann::json& state) override;
  const WeOptions& options() const { return options_; }
  // The report of the last step (for tests and tools).
  const WeReport& last_report() const { return report_; }

 private:
  WeOptions options_;
  WeState state_;
  std::unique_ptr<FilterTable> table_;
  int64_t table_arena_numel_ = -1;
  WeScratch scratch_;
  std::unique_ptr<WeCudaWorkspace> cuda_workspace_;
  WeReport report_;
};

}  // namespace revive
