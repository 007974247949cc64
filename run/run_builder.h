// The one place that turns a run configuration (run/run_config.h) into a run: the device and
// thread count, the data and its loaders, the network(s) with their arenas, optimisers, schedules
// and seeds, the reactivation method, and the views the Trainer, checkpoints and the method take.
// `revive train`, `eval` and `reactivate`, the throughput benchmark and the tests' runs all build
// here, so a run means the same thing everywhere.
//
// Several networks (--models N, for methods that train N side by side): network k has its own
// seed (network_seed) for initialisation, data order and augmentation, and its own initial
// learning rate when the method spreads them (MethodSpec::initial_lr).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "data/dataset.h"
#include "data/loader.h"
#include "kernels/device_runtime.h"
#include "nn/module.h"
#include "nn/parameter_arena.h"
#include "optim/checkpoint.h"
#include "optim/schedule.h"
#include "optim/sgd.h"
#include "optim/trainer.h"
#include "reactivation/reactivator.h"
#include "run/run_config.h"

namespace revive {

struct RunNetwork {
  uint64_t seed = 0;
  double initial_lr = 0;
  std::unique_ptr<nn::Module> model;
  std::unique_ptr<nn::ParameterArena> arena;
  std::unique_ptr<optim::SgdOptimizer> sgd;        // null without training parts
  std::unique_ptr<optim::LrSchedule> schedule;     // null without training parts
  std::unique_ptr<DataLoader> train;               // null without data or training parts
};

struct RunBuildOptions {
  bool data = true;      // load the dataset (limits applied) and make the loaders
  bool training = true;  // optimisers, schedules, training loaders and the method
  // The networks' input channels and classes when there is no data (else the dataset's).
  int64_t in_channels = 1, num_classes = 10;
  // Used instead of the dataset the configuration names (tests, benchmarks); it is copied.
  const DatasetSplits* data_override = nullptr;
};

class RunParts {
 public:
  RunConfig config;  // as built: `device` names the device used
  Device device;
  DatasetSplits data;  // empty without data
  std::vector<RunNetwork> networks;
  std::unique_ptr<DataLoader> test;         // null without data
  std::unique_ptr<Reactivator> reactivator;  // null without training parts

  RunNetwork& network(size_t k = 0) { return networks.at(k); }
  // The method's context: the schedule's stage starts and per-epoch learning rates (of the first
  // network), the run's length and seed; set `epoch` before each step.
  ReactivationContext reactivation_context() const;
  std::vector<ModelRef> model_refs();
  std::vector<TrainNetwork> train_networks();
  std::vector<CheckpointNetwork> checkpoint_networks();
  int64_t n_parameters() const { return networks.front().arena->n_elements(); }
};

// Builds the run `config` describes: checks the configuration, sets the thread count, selects the
// device (a clear error when it is absent), then everything RunBuildOptions asks for. The Run is
// returned by pointer because its loaders refer to its data.
std::unique_ptr<RunParts> build_run(const RunConfig& config, const RunBuildOptions& options = {});

// The CUDA math options (kernels/cuda_math.h) of --deterministic, --tf32 and --cudnn-benchmark,
// which build_run sets for the process.
kernels::CudaOptions run_cuda_options(const RunConfig& c);

// The seed of network k: the run's own seed for the first network, a Philox-derived one for the
// others (so a run of one network is the same with any method).
uint64_t network_seed(uint64_t run_seed, int k);

// The first n samples of d (all when n is 0 or at least d's size).
Dataset take_first(const Dataset& d, int64_t n);

}  // namespace revive
