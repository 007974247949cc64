// Everything a training run is made of, as one struct with one option table (core/option_table.h):
// the command line of `revive train` and `revive study`, config.json in the run folder and --resume
// all come from run_options(). The method's own options (--we-preset, --fg-models, ...) are declared
// by the method (reactivation/registry.h) and travel with the run as `method_options`, the resolved
// options of the method named by `method`.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/option_table.h"
#include "optim/schedule.h"

namespace revive {

struct RunConfig {
  // Model and data.
  std::string model = "cnn";
  double width = 1.0;
  std::string dataset = "fashion-mnist";
  std::string data_dir;
  int64_t limit_train = 0, limit_test = 0;
  std::string augment = "auto";
  // Training.
  int epochs = 3;
  int batch = 128;
  int eval_batch = 500;
  double momentum = 0.9;
  double weight_decay = 5e-4;
  bool nesterov = false;
  uint64_t seed = 0;
  int models = 1;  // networks trained side by side (Filter Grafting)
  // Learning-rate schedule.
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
  // Where it runs.
  int threads = 0;
  std::string device;  // empty: kernels::default_device_name(); config.json records the device used
  // CPU convolution routes (kernels/cpu/conv_route_table.h): auto, direct or winograd. The run
  // builder turns auto into direct when the environment sets REVIVE_NO_WINOGRAD=1.
  std::string conv_routes = "auto";
  // Reactivation.
  std::string method = "none";
  nlohmann::json method_options = nlohmann::json::object();
  // Run folder.
  int checkpoint_every = 1;
  int keep_last = 2;
};

// The run options, method options excluded.
const OptionTable<RunConfig>& run_options();
// Their declarations with the registered methods as the valid values of `method`: what a command
// line takes.
std::vector<OptionDecl> run_option_decls();

// config.json: every run option and the method's options, in one flat object.
nlohmann::json run_config_to_json(const RunConfig& c);

enum class OptionSource {
  // What run_config_to_json wrote (config.json): every option must be present and valid (a run
  // folder may have been edited or damaged since); keys it does not know (the run's recorded
  // facts, such as n_parameters) are ignored.
  kRunFolder,
  // Options a user gave (a command line, a study's variant): any subset of the run's options and
  // of the named method's; the rest keep their defaults; an unknown key, or an option of another
  // method, is an error.
  kUser,
};
// A checked configuration from a flat JSON object of option values. Throws revive::Error naming
// `origin` and the option.
RunConfig run_config_from_json(const nlohmann::json& j, const std::string& origin,
                               OptionSource source = OptionSource::kRunFolder);

// The checks that involve several options (the method's network count, the schedule's options);
// the single-option checks are the table's. Throws revive::Error in the user's terms.
void validate_run_config(const RunConfig& c);

// The run's learning-rate schedule starting from lr0 (a network's initial rate: the run's --lr, or
// the method's per-network rate).
optim::LrSchedule make_run_schedule(const RunConfig& c, double lr0);

}  // namespace revive
