// The epoch loop: train one epoch (forward, softmax cross-entropy, backward into the gradient arena,
// one fused SGD step), evaluate on the test set, call the post-evaluation hook (where reactivation
// runs, docs/reactivation.md §0.3), write the epoch's metrics line, then call the epoch-end
// callback (where checkpoints are written).
//
// Several networks (methods that train N side by side, like Filter Grafting): each has its own
// arena, optimiser, schedule and data order; within an epoch they train one after another, so only
// one training graph is alive at a time, then all are evaluated before the hook sees them all. The
// metrics line keeps the first network's figures at the top level (the network the papers report)
// with every network's in "networks"; its times cover the whole epoch of all networks.
//
// Devices: the Trainer runs where the arena lives. On a GPU, batches are uploaded asynchronously
// from pinned memory (kernels/batch_upload.h) and nothing inside a step waits for the device: the
// loss and accuracy are read back every TrainerOptions::log_interval steps (optim/step_metrics.h).
// Each network's steps go through a CUDA Graph there unless TrainerOptions::cuda_graph says off
// (optim/graph_train_step.h: warm-up, capture, replay; eager for a batch of another shape and after
// a failed capture); the CPU runs them eagerly. The metrics line says which ran ("step_route":
// "graph" when the epoch replayed a graph, else "eager"; "capture_error" when a capture failed),
// and the first epoch's summary line on stderr too.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "data/loader.h"
#include "kernels/batch_upload.h"
#include "nn/module.h"
#include "nn/parameter_arena.h"
#include "optim/graph_train_step.h"
#include "optim/metrics.h"
#include "optim/schedule.h"
#include "optim/sgd.h"
#include "optim/step_metrics.h"
#include "optim/train_position.h"

namespace revive {

struct EvalResult {
  double loss = 0;      // mean over samples
  double accuracy = 0;  // fraction in [0, 1]
  int64_t n_samples = 0;
};

// Test loss and accuracy of `model` in eval mode, under no-grad, over one pass of `loader`, on the
// device the model's parameters live on (batches are uploaded there).
EvalResult evaluate(nn::Module& model, DataLoader& loader);

// The metrics line of 0-based epoch `epoch` from every network's figures, in network order: the
// first network's at the top level, and with several networks all of them under "networks" with
// the training time and throughput of them all (`train_seconds`, `seen` images). The Trainer builds
// its lines here, and so does a run whose networks train in several processes (run/mpi/).
nlohmann::json epoch_line(const nlohmann::json& networks, int epoch, double train_seconds, int64_t seen);

struct TrainerOptions {
  int epochs = 1;
  bool progress = true;    // progress bar / lines on stderr during an epoch
  bool log_epochs = true;  // one summary line per epoch on stderr
  // Debugging and tests: raise the stop flag after this many steps in total (-1: never), which
  // behaves exactly like an interrupting signal at that point.
  int64_t stop_after_steps = -1;
  // On a GPU, steps between reads of the training loss and accuracy (optim/step_metrics.h): the
  // progress line and the non-finite-loss check follow at that pace. The CPU reads every step.
  int64_t log_interval = 50;
  // Training steps in a CUDA Graph: auto (on CUDA devices), on (a CPU Trainer is an error) or off.
  optim::GraphMode cuda_graph = optim::GraphMode::kAuto;
};

// One network as the Trainer drives it; everything must outlive the Trainer.
struct TrainNetwork {
  nn::Module* model = nullptr;
  nn::ParameterArena* arena = nullptr;
  optim::SgdOptimizer* optimizer = nullptr;
  const optim::LrSchedule* schedule = nullptr;
  DataLoader* train = nullptr;
};

class Trainer {
 public:
  // Called after evaluation with the 0-based index of the epoch just trained; it may add fields to
  // the epoch's metrics line (reactivation telemetry).
  using AfterEvalHook = std::function<void(int epoch, nlohmann::json& metrics)>;
  // Called after each finished epoch (positions: the next epoch, step 0) and when training stops on
  // the stop flag (positions: the interrupted epoch; networks before the interrupted one have taken
  // all its steps, those after it none). One position per network.
  using PositionCallback = std::function<void(const std::vector<TrainPosition>& positions)>;

  // All networks of one architecture, on one device; the test set is shared.
  Trainer(std::vector<TrainNetwork> networks, DataLoader& test, TrainerOptions options);
  Trainer(nn::Module& model, nn::ParameterArena& arena, optim::SgdOptimizer& optimizer,
          const optim::LrSchedule& schedule, DataLoader& train, DataLoader& test, TrainerOptions options);

  void set_after_eval_hook(AfterEvalHook hook) { hook_ = std::move(hook); }
  // Called after the after-eval hook and outside reactivation_ms, with the same arguments: adds
  // fields that describe the weights the epoch ends with (the dead-filter census), so that their
  // cost is not counted as the method's.
  void set_epoch_weights_hook(AfterEvalHook hook) { weights_hook_ = std::move(hook); }
  void set_position_callback(PositionCallback cb) { position_cb_ = std::move(cb); }
  void set_metrics_log(MetricsLog* log) { log_ = log; }
  // Polled between steps: when it becomes true training stops after the current step (signals).
  void set_stop_flag(std::atomic<bool>* flag) { stop_ = flag; }

  // Trains from `start` (one position per network, all at one epoch; empty: the beginning) to the
  // end of options.epochs; returns the metrics line of each finished epoch.
  std::vector<nlohmann::json> fit(std::vector<TrainPosition> start = {});
  std::vector<nlohmann::json> fit(const TrainPosition& start) { return fit(std::vector<TrainPosition>{start}); }
  bool stopped() const { return stopped_; }
  const std::vector<TrainPosition>& positions() const { return pos_; }
  // The first network's position (the epoch in progress is every network's).
  const TrainPosition& position() const { return pos_.front(); }
  size_t n_networks() const { return nets_.size(); }
  // Training steps taken by this Trainer (all networks, all fit() calls).
  int64_t steps_taken() const { return total_steps_; }

 private:
  // Trains the rest of network k's current epoch; false when stopped before its end.
  bool train_epoch(size_t k);
  // Queues network k's step on `batch` at `lr` into `metrics` on the graph route.
  void graph_step(size_t k, const Batch& batch, double lr, StepMetrics& metrics);
  // The route fields of network k's metrics line (and resets the epoch's record).
  void add_route(size_t k, nlohmann::json& line);
  // Adds the queued steps' loss and accuracy to network k's position; throws on a non-finite loss.
  void take_metrics(size_t k, StepMetrics& metrics);
  nlohmann::json finish_epoch();
  bool stop_requested();
  void check_finite_weights(size_t k, const char* when) const;

  std::vector<TrainNetwork> nets_;
  DataLoader& test_;
  TrainerOptions options_;
  std::unique_ptr<kernels::BatchUploader> uploader_;  // CUDA models only
  // One per network on the graph route, none on the eager route.
  std::vector<std::unique_ptr<optim::GraphTrainStep>> graph_steps_;
  std::vector<bool> replayed_;  // per network: the current epoch replayed a graph
  bool route_said_ = false;     // the summary line named the route
  AfterEvalHook hook_;
  AfterEvalHook weights_hook_;
  PositionCallback position_cb_;
  MetricsLog* log_ = nullptr;
  std::atomic<bool>* stop_ = nullptr;
  bool stopped_ = false;
  int64_t total_steps_ = 0;
  std::vector<TrainPosition> pos_;
};

}  // namespace revive
