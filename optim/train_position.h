// Where training stands: everything besides the weights, buffers and optimiser state that a resumed
// run needs to continue exactly as the uninterrupted one would have. Kept in checkpoint sidecars.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace revive {

struct TrainPosition {
  int epoch = 0;      // the epoch in progress (0-based)
  int64_t step = 0;   // steps of that epoch already taken
  double loss_sum = 0;  // running training sums of that epoch
  int64_t correct = 0, seen = 0;
  double train_seconds = 0;

  nlohmann::json to_json() const;
  // Throws revive::Error naming `origin` when a field is missing, mistyped or out of range.
  static TrainPosition from_json(const nlohmann::json& j, const std::string& origin);
};

}  // namespace revive
