// The epoch loop: train one epoch (forward, softmax cross-entropy, backward into the gradient arena,
// one fused SGD step), evaluate on the test set, call the post-evaluation hook (where reactivation
// runs, spec reactivation.md "Decisions" 3), then write the epoch's metrics line.
#pragma once

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "data/loader.h"
#include "nn/module.h"
#include "nn/parameter_arena.h"
#include "optim/metrics.h"
#include "optim/schedule.h"
#include "optim/sgd.h"

namespace revive {

struct EvalResult {
  double loss = 0;      // mean over samples
  double accuracy = 0;  // fraction in [0, 1]
  int64_t n_samples = 0;
};

// Test loss and accuracy of `model` in eval mode, under no-grad, over one pass of `loader`.
EvalResult evaluate(nn::Module& model, DataLoader& loader);

struct TrainerOptions {
  int epochs = 1;
  bool progress = true;    // progress bar / lines on stderr during an epoch
  bool log_epochs = true;  // one summary line per epoch on stderr
};

class Trainer {
 public:
  // Called after evaluation with the 0-based index of the epoch just trained; it may add fields to
  // the epoch's metrics line (reactivation telemetry).
  using AfterEvalHook = std::function<void(int epoch, nlohmann::json& metrics)>;

  Trainer(nn::Module& model, nn::ParameterArena& arena, optim::SgdOptimizer& optimizer, const optim::LrSchedule& schedule,
          DataLoader& train, DataLoader& test, TrainerOptions options);

  void set_after_eval_hook(AfterEvalHook hook) { hook_ = std::move(hook); }
  void set_metrics_log(MetricsLog* log) { log_ = log; }
  // Polled between steps: when it becomes true the current epoch stops early (SIGINT handling).
  void set_stop_flag(const std::atomic<bool>* flag) { stop_ = flag; }

  // Trains epochs [first_epoch, options.epochs); returns the metrics line of each.
  std::vector<nlohmann::json> fit(int first_epoch = 0);
  nlohmann::json run_epoch(int epoch);
  bool stopped() const { return stopped_; }

 private:
  nn::Module& model_;
  nn::ParameterArena& arena_;
  optim::SgdOptimizer& optimizer_;
  const optim::LrSchedule& schedule_;
  DataLoader& train_;
  DataLoader& test_;
  TrainerOptions options_;
  AfterEvalHook hook_;
  MetricsLog* log_ = nullptr;
  const std::atomic<bool>* stop_ = nullptr;
  bool stopped_ = false;
};

}  // namespace revive
