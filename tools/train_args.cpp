#include "tools/train_args.h"

#include <limits>

#include "core/error.h"
#include "core/json_fields.h"

namespace revive::cli {
namespace {

constexpr int64_t kIntMax = std::numeric_limits<int>::max();
constexpr int64_t kIntMin = std::numeric_limits<int>::min();

int json_int32(const nlohmann::json& j, const char* key, const std::string& origin, int64_t lo = kIntMin) {
  return static_cast<int>(json_int(j, key, origin, lo, kIntMax));
}

std::vector<std::string> string_list(const nlohmann::json& j, const char* key, const std::string& origin) {
  const nlohmann::json& v = json_field(j, key, origin);
  REVIVE_CHECK(v.is_array(), origin << ": '" << key << "' must be a list of strings");
  std::vector<std::string> out;
  for (const auto& e : v) {
    REVIVE_CHECK(e.is_string(), origin << ": '" << key << "' must be a list of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace

nlohmann::json train_args_to_json(const TrainArgs& a) {
  return {{"model", a.model},
          {"width", a.width},
          {"dataset", a.dataset},
          {"data_dir", a.data_dir},
          {"limit_train", a.limit_train},
          {"limit_test", a.limit_test},
          {"augment", a.augment},
          {"epochs", a.epochs},
          {"batch", a.batch},
          {"eval_batch", a.eval_batch},
          {"lr", a.lr},
          {"schedule", a.schedule},
          {"per_iteration", a.per_iteration},
          {"milestones", a.milestones},
          {"step_size", a.step_size},
          {"gamma", a.gamma},
          {"eta_min", a.eta_min},
          {"warmup_epochs", a.warmup_epochs},
          {"momentum", a.momentum},
          {"weight_decay", a.weight_decay},
          {"nesterov", a.nesterov},
          {"seed", a.seed},
          {"threads", a.threads},
          {"device", a.device},
          {"method", a.method},
          {"we_preset", a.we_preset},
          {"we_ablations", a.we_ablations},
          {"we_set", a.we_set},
          {"checkpoint_every", a.checkpoint_every},
          {"keep_last", a.keep_last}};
}

TrainArgs train_args_from_json(const nlohmann::json& j, const std::string& origin) {
  REVIVE_CHECK(j.is_object(), origin << " is not a revive run configuration (expected a JSON object)");
  TrainArgs a;
  a.model = json_string(j, "model", origin);
  a.width = json_double(j, "width", origin);
  a.dataset = json_string(j, "dataset", origin);
  a.data_dir = json_string(j, "data_dir", origin);
  a.limit_train = json_int(j, "limit_train", origin);
  a.limit_test = json_int(j, "limit_test", origin);
  a.augment = json_string(j, "augment", origin);
  // The same limits as the command line's CLI::PositiveNumber checks.
  a.epochs = json_int32(j, "epochs", origin, 1);
  a.batch = json_int32(j, "batch", origin, 1);
  a.eval_batch = json_int32(j, "eval_batch", origin, 1);
  a.lr = json_double(j, "lr", origin);
  a.schedule = json_string(j, "schedule", origin);
  a.per_iteration = json_bool(j, "per_iteration", origin);
  for (int64_t m : json_int_list(j, "milestones", origin, kIntMin, kIntMax)) a.milestones.push_back(static_cast<int>(m));
  a.step_size = json_int32(j, "step_size", origin);
  a.gamma = json_double(j, "gamma", origin);
  a.eta_min = json_double(j, "eta_min", origin);
  a.warmup_epochs = json_int32(j, "warmup_epochs", origin);
  a.momentum = json_double(j, "momentum", origin);
  a.weight_decay = json_double(j, "weight_decay", origin);
  a.nesterov = json_bool(j, "nesterov", origin);
  a.seed = json_uint(j, "seed", origin);
  a.threads = json_int32(j, "threads", origin);
  a.device = json_string(j, "device", origin);
  a.method = json_string(j, "method", origin);
  a.we_preset = json_string(j, "we_preset", origin);
  a.we_ablations = string_list(j, "we_ablations", origin);
  a.we_set = string_list(j, "we_set", origin);
  a.checkpoint_every = json_int32(j, "checkpoint_every", origin);
  a.keep_last = json_int32(j, "keep_last", origin);
  return a;
}

}  // namespace revive::cli
