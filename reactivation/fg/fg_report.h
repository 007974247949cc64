// What one Filter Grafting step reports, the same from the readable reference, the CPU path and the
// CUDA path: per graft group and network the criterion (entropy or L1) and alpha, what the variants
// rewrote, and the time. summary_json() goes into the epoch's metrics line, detail_json() into the
// per-epoch detail file. How many filters are dead is every run's census (reactivation/
// filter_census.h), logged for each network beside this.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reactivation/fg/fg_options.h"

namespace revive {

struct FgReport {
  int epoch = 0;
  FgVariant variant = FgVariant::kExternal;
  FgCriterion criterion = FgCriterion::kEntropy;
  int n_models = 0;
  std::vector<std::string> groups;  // each graft group's conv weight
  // External grafting, [model][group]: the criterion of the network's pre-graft weights (entropy in
  // nats, or L1 norm), and the alpha it kept of its own weights (the rest from its predecessor).
  std::vector<std::vector<float>> criterion_value;
  std::vector<std::vector<double>> alpha;
  // Noise and internal scions, [model]: the filters that received noise or another filter.
  std::vector<int64_t> rewritten_filters;
  // Filter-level grafting, [model]: the mean of the BN channels' coefficients |g| / (|g| + |g'|).
  std::vector<double> mean_channel_weight;
  // Coefficients that would have written NaN (a non-finite L1 criterion; a BN channel with
  // |g| + |g'| = 0) and were skipped: those tensors or channels kept their own values.
  int64_t skipped = 0;
  // Filter-level grafting: convs whose input channels no BN right before them describes, so only
  // their output filters were weighted.
  int64_t convs_without_input_bn = 0;
  double elapsed_us = 0;

  // Sizes every per-model vector for `n_models` networks and `groups` group names.
  void reset(int epoch_, const FgOptions& options, const std::vector<std::string>& group_names);

  nlohmann::json summary_json() const;  // per network: mean/min/max alpha and criterion
  nlohmann::json detail_json() const;   // every group's criterion and alpha per network
};

}  // namespace revive
