// The interface every reactivation method implements. The Trainer calls apply() after each epoch's
// evaluation with the 0-based index of the epoch just trained (docs/reactivation.md §0.3);
// the method rewrites weights in place through the parameter arena under no-grad and adds its
// telemetry to the epoch's metrics line. Optimiser momentum is never touched.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/module.h"
#include "nn/parameter_arena.h"

namespace revive {

struct ReactivationContext {
  int epoch = 0;         // 0-based index of the epoch just trained
  int total_epochs = 0;
  std::vector<int> stage_boundaries{0};  // epochs where the LR schedule starts a stage (§1.3)
  // The learning rate of the first network's schedule at the start of each epoch 0..total_epochs-1,
  // then at the schedule's end (total_epochs + 1 entries; empty where no schedule is known, as in
  // a one-off step): methods whose rates follow the LR read it (KR's gamma, §3.2).
  std::vector<double> epoch_lr;
  // The run's seed: a method that draws random numbers derives its counter-based streams from it.
  uint64_t seed = 0;
};

// One network of a run: its modules (structure, names) and the arena holding its parameters.
struct ModelRef {
  nn::Module* model = nullptr;
  nn::ParameterArena* arena = nullptr;
};

class Reactivator {
 public:
  virtual ~Reactivator() = default;
  virtual std::string name() const = 0;
  // `models`: every network of the run, of one architecture and on one device; one network unless
  // the method trains several side by side (Filter Grafting).
  virtual void apply(const ReactivationContext& ctx, const std::vector<ModelRef>& models,
                     nlohmann::json& telemetry) = 0;
  // apply() on a run of one network.
  void apply_one(const ReactivationContext& ctx, nn::Module& model, nn::ParameterArena& arena,
                 nlohmann::json& telemetry) {
    apply(ctx, {ModelRef{&model, &arena}}, telemetry);
  }
  // What the method carries from one epoch to the next (e.g. WE's fallback counters), for
  // checkpoints; null when it carries nothing.
  virtual nlohmann::json state() const { return nullptr; }
  virtual void load_state(const nlohmann::json& state) { (void)state; }
};

}  // namespace revive
