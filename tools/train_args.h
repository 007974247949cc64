// The options of `revive train`, and their JSON form: config.json in the run folder, written when a
// run starts and read back by --resume. The command line checks what the user types; the JSON reader
// checks the same limits, because a run folder may have been edited or damaged since.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace revive::cli {

struct TrainArgs {
  std::string model = "cnn";
  double width = 1.0;
  std::string dataset = "fashion-mnist";
  std::string data_dir;
  int64_t limit_train = 0, limit_test = 0;
  std::string augment = "auto";
  int epochs = 3;
  int batch = 128;
  int eval_batch = 500;
  double lr = 0.05;
  std::string schedule = "cosine";
  // The default run ends at lr 0 rather than on a last epoch at lr/4, and its test accuracy does not
  // dip mid-run as the per-epoch schedule's did (benchmarks/RESULTS.md, "Default schedule").
  bool per_iteration = true;
  std::vector<int> milestones;
  int step_size = 0;
  double gamma = 0.1;
  double eta_min = 0.0;
  int warmup_epochs = 0;
  double momentum = 0.9;
  double weight_decay = 5e-4;
  bool nesterov = false;
  uint64_t seed = 0;
  int threads = 0;
  std::string device;  // empty: kernels::default_device_name(); config.json records the device used
  std::string method = "none";
  std::string we_preset = "paper";
  std::vector<std::string> we_ablations;
  std::vector<std::string> we_set;  // key=value overrides
  int checkpoint_every = 1;
  int keep_last = 2;
};

nlohmann::json train_args_to_json(const TrainArgs& a);
// Throws revive::Error naming `origin` when a field is missing, mistyped or out of range; fields it
// does not know (the run's recorded facts, such as n_parameters) are ignored.
TrainArgs train_args_from_json(const nlohmann::json& j, const std::string& origin);

}  // namespace revive::cli
