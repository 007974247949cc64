// Kernel Reactivation behind the Reactivator interface: builds the filter table from the model's
// arena on first use, keeps KR's state (the steps applied so far) and scratch, and reports the
// step's telemetry into the epoch's metrics line. Runs where the arena is: kr_apply_cpu on the
// CPU, kr_apply_cuda (with its device workspace, built once) on CUDA.
#pragma once

#include <memory>

#include "reactivation/kr/kr_cpu.h"
#include "reactivation/kr/kr_cuda.h"
#include "reactivation/reactivator.h"

namespace revive {

class KrReactivator final : public Reactivator {
 public:
  explicit KrReactivator(KrOptions options);
  std::string name() const override { return "kr"; }
  // KR steps one network: `models` must hold exactly one.
  void apply(const ReactivationContext& ctx, const std::vector<ModelRef>& models, nlohmann::json& telemetry) override;
  nlohmann::json state() const override { return state_.to_json(); }
  void load_state(const nlohmann::json& state) override;
  const KrOptions& options() const { return options_; }
  // The report of the last step (for tests and tools).
  const KrReport& last_report() const { return report_; }

 private:
  KrOptions options_;
  KrState state_;
  std::unique_ptr<FilterTable> table_;
  int64_t table_arena_numel_ = -1;
  KrScratch scratch_;
  std::unique_ptr<KrCudaWorkspace> cuda_workspace_;
  KrReport report_;
};

}  // namespace revive
