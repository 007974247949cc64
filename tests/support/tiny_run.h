// A complete small training run for the Trainer tests (tests/optim) and the CPU-vs-GPU Trainer
// test (tests/cuda): a 4-class synthetic set of 12x12 images (512 train, 256 test), the CLI's
// "cnn", SGD with momentum 0.9 and weight decay 5e-4, a cosine schedule, loaders of 32 (train,
// shuffled) and 128 (test). Everything is seeded by `seed`; the weights live on `device`.
#pragma once

#include <memory>

#include "data/loader.h"
#include "data/synthetic.h"
#include "data/transforms.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "optim/sgd.h"
#include "optim/trainer.h"

namespace revive::testing {

struct TinyRun {
  DatasetSplits data;
  std::unique_ptr<nn::Module> model;
  std::unique_ptr<nn::ParameterArena> arena;
  std::unique_ptr<optim::SgdOptimizer> sgd;
  std::unique_ptr<optim::LrSchedule> schedule;
  std::unique_ptr<DataLoader> train, test;

  TinyRun(int epochs, double lr, uint64_t seed, Device device = Device::cpu()) {
    SyntheticOptions so;
    so.n_train = 512;
    so.n_test = 256;
    so.height = so.width = 12;
    so.num_classes = 4;
    so.noise = 0.3f;
    so.seed = seed;
    data = make_synthetic(so);
    model = nn::models::make_model("cnn", 1, 4);
    arena = std::make_unique<nn::ParameterArena>(nn::ParameterArena::build(*model, device, seed));
    optim::SgdOptions o;
    o.lr = lr;
    o.momentum = 0.9;
    o.weight_decay = 5e-4;
    sgd = std::make_unique<optim::SgdOptimizer>(o, arena->params());
    optim::ScheduleOptions s;
    s.lr = lr;
    s.epochs = epochs;
    schedule = std::make_unique<optim::LrSchedule>(optim::make_schedule("cosine", s));
    TransformOptions tf;
    tf.norm = compute_normalization(data.train);
    train = std::make_unique<DataLoader>(data.train, 32, true, tf, seed);
    test = std::make_unique<DataLoader>(data.test, 128, false, tf, seed);
  }

  Trainer trainer(const TrainerOptions& options) { return Trainer(*model, *arena, *sgd, *schedule, *train, *test, options); }
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
