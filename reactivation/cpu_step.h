// The opening the methods' CPU steps share (ARCHITECTURE.md decision 4): the step's clock, its
// scratch (the caller's, reused across epochs so that a warm step allocates nothing, or one for
// this step alone) and stage (a), every filter's L1 norm and importance (filter_norms.h), which
// every method's later stages read.
#pragma once

#include <cstddef>

#include "reactivation/filter_norms.h"
#include "reactivation/filter_table.h"
#include "reactivation/step_clock.h"

namespace revive {

// Scratch: a method's buffers, with std::vector<float> l1 and importance (one entry per filter).
template <class Scratch>
class CpuStep {
 public:
  explicit CpuStep(Scratch* scratch) : scratch_(scratch ? *scratch : local_) {}
  CpuStep(const CpuStep&) = delete;
  CpuStep& operator=(const CpuStep&) = delete;

  Scratch& scratch() { return scratch_; }

  // Stage (a): scratch().l1 and scratch().importance sized to the table and filled.
  void norms(const FilterTable& table, const float* arena) {
    const size_t n = static_cast<size_t>(table.n_filters());
    scratch_.l1.resize(n);
    scratch_.importance.resize(n);
    filter_norm_l1_cpu(table, arena, scratch_.l1.data(), scratch_.importance.data());
  }

  // report.stage_us[stage] = the time since the previous stage ended (or the step began).
  template <class Report>
  void end_stage(Report& report, size_t stage) {
    clock_.end_stage(report.stage_us, stage);
  }

  // The time since the step began.
  double elapsed_us() const { return clock_.elapsed_us(); }

 private:
  StepClock clock_;  // first: the step's time includes everything below
  Scratch local_;
  Scratch& scratch_;
};

}  // namespace revive
