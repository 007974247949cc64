// A complete small training run for the Trainer tests (tests/optim) and the CPU-vs-GPU Trainer
// test (tests/cuda), built by the run builder like any run: a 4-class synthetic set of 12x12 images
// (512 train, 256 test), the CLI's "cnn", SGD with momentum 0.9 and weight decay 5e-4, a cosine
// schedule stepped per epoch, batches of 32 (train, shuffled) and 128 (test). Everything is seeded
// by `seed`; the weights live on `device`; the thread count is the test's.
#pragma once

#include <memory>

#include "core/parallel.h"
#include "data/synthetic.h"
#include "run/run_builder.h"

namespace revive::testing {

inline RunConfig tiny_run_config(int epochs, double lr, uint64_t seed, Device device = Device::cpu()) {
  RunConfig c;
  c.model = "cnn";
  c.dataset = "synthetic";
  c.epochs = epochs;
  c.lr = lr;
  c.batch = 32;
  c.eval_batch = 128;
  c.momentum = 0.9;
  c.weight_decay = 5e-4;
  c.seed = seed;
  c.schedule = "cosine";
  c.per_iteration = false;
  c.threads = num_threads();
  c.device = device.str();
  return c;
}

inline DatasetSplits tiny_run_data(uint64_t seed) {
  SyntheticOptions so;
  so.n_train = 512;
  so.n_test = 256;
  so.height = so.width = 12;
  so.num_classes = 4;
  so.noise = 0.3f;
  so.seed = seed;
  return make_synthetic(so);
}

struct TinyRun {
  std::unique_ptr<RunParts> run;
  nn::Module* model;
  nn::ParameterArena* arena;

  explicit TinyRun(const RunConfig& config) {
    const DatasetSplits data = tiny_run_data(config.seed);
    RunBuildOptions bo;
    bo.data_override = &data;
    run = build_run(config, bo);
    model = run->network().model.get();
    arena = run->network().arena.get();
  }
  TinyRun(int epochs, double lr, uint64_t seed, Device device = Device::cpu())
      : TinyRun(tiny_run_config(epochs, lr, seed, device)) {}

  Trainer trainer(const TrainerOptions& options) { return Trainer(run->train_networks(), *run->test, options); }
};

// `epochs` epochs without the progress bar and the per-epoch lines.
inline TrainerOptions quiet_trainer_options(int epochs) {
  TrainerOptions to;
  to.epochs = epochs;
  to.progress = false;
  to.log_epochs = false;
  return to;
}

}  // namespace revive::testing
