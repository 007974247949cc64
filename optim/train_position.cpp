#include "optim/train_position.h"

#include <limits>

#include "core/error.h"
#include "core/json_fields.h"

namespace revive {

nlohmann::json TrainPosition::to_json() const {
  return {{"epoch", epoch}, {"step", step},          {"loss_sum", loss_sum},
          {"correct", correct}, {"seen", seen},      {"train_seconds", train_seconds}};
}

TrainPosition TrainPosition::from_json(const nlohmann::json& j, const std::string& origin) {
  const std::string where = origin + ": position";
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  TrainPosition p;
  p.epoch = static_cast<int>(json_int(j, "epoch", where, 0, std::numeric_limits<int>::max()));
  p.step = json_int(j, "step", where, 0, kMax);
  p.loss_sum = json_double(j, "loss_sum", where);
  p.seen = json_int(j, "seen", where, 0, kMax);
  p.correct = json_int(j, "correct", where, 0, p.seen);
  p.train_seconds = json_double(j, "train_seconds", where);
  return p;
}

}  // namespace revive
