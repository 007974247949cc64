// The global selection rate of Weight Evolution (docs/weight-evolution.md §1.3):
//   r_pool(e) = (r^_pool / d_t) * sigmoid((e - e0_t) / eta),  sigmoid(x) = 1 / (1 + exp(-x)),
// where e is the 0-based index of the epoch just trained, stage t starts at epoch e0_t (epoch 0
// and each LR decay, §0.4) and d_t is beta^(t-1) or an explicit list.
#pragma once

#include <cstdint>
#include <vector>

#include "reactivation/we/we_options.h"

namespace revive {

struct WeStage {
  int index = 1;        // t, 1-based
  int start = 0;        // e0_t
  double divisor = 1;   // d_t
};

// boundaries: strictly increasing, starting at 0 (options.stage_boundaries replaces them when set).
WeStage we_stage(int epoch, const std::vector<int>& boundaries, const WeOptions& options);
double we_rate(double base_rate, int epoch, const WeStage& stage, double eta);
// k = floor(|pool| * r): the index of the threshold in the ascending pool (§1.3).
int64_t we_threshold_rank(int64_t pool_size, double rate);

}  // namespace revive
