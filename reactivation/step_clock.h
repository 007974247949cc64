// Wall time of a reactivation step and of its stages, in microseconds, for the steps' reports.
#pragma once

#include <chrono>
#include <cstddef>

namespace revive {

class StepClock {
 public:
  // Microseconds since construction.
  double elapsed_us() const { return std::chrono::duration<double, std::micro>(Clock::now() - start_).count(); }
  // stage_us[stage] = microseconds since the previous end_stage (or construction).
  template <class Array>
  void end_stage(Array& stage_us, size_t stage) {
    const Clock::time_point now = Clock::now();
    stage_us[stage] = std::chrono::duration<double, std::micro>(now - stage_start_).count();
    stage_start_ = now;
  }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_ = Clock::now();
  Clock::time_point stage_start_ = start_;
};

}  // namespace revive
