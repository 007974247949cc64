#include "reactivation/we/we_rate.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace revive {

WeStage we_stage(int epoch, const std::vector<int>& schedule_boundaries, const WeOptions& options) {
  const std::vector<int>& b = options.stage_boundaries.empty() ? schedule_boundaries : options.stage_boundaries;
  REVIVE_CHECK(epoch >= 0, "WE epoch must be >= 0 (0-based index of the epoch just trained), got " << epoch);
  REVIVE_CHECK(!b.empty() && b[0] == 0, "WE stage boundaries must start at epoch 0 (the first stage), got "
                                            << (b.empty() ? std::string("none") : std::to_string(b[0])));
  for (size_t i = 1; i < b.size(); ++i)
    REVIVE_CHECK(b[i] > b[i - 1], "WE stage boundaries must increase strictly, got " << b[i - 1] << " then " << b[i]);
  int t = 0;
  while (t < static_cast<int>(b.size()) && b[t] <= epoch) ++t;
  // An explicit divisor list caps the stage count: the reference code has three stages although
  // its StepLR also decays at 180, so epochs >= 120 stay in stage 3 with e0 = 120 (§1.3).
  if (!options.stage_divisors.empty()) t = std::min(t, static_cast<int>(options.stage_divisors.size()));
  WeStage s;
  s.index = t;
  s.start = b[t - 1];
  s.divisor = options.stage_divisors.empty() ? std::pow(options.beta, t - 1) : options.stage_divisors[t - 1];
  return s;
}

double we_rate(double base_rate, int epoch, const WeStage& stage, double eta) {
  const double x = (epoch - stage.start) / eta;
  return base_rate / stage.divisor * (1.0 / (1.0 + std::exp(-x)));
}

int64_t we_threshold_rank(int64_t pool_size, double rate) {
  return static_cast<int64_t>(std::floor(static_cast<double>(pool_size) * rate));
}

}  // namespace revive
