// One network's training step on a CUDA device through optim::GraphStep (`--cuda-graph`): the
// Trainer's graph route. The step is the eager route's (zero the gradients, forward, softmax
// cross-entropy, backward, one SGD update) with what a replay needs (optim/graph_step.h):
//  - the batch is copied into input tensors allocated once, of the shape captured (the first full
//    batch's); a batch of another shape (an epoch's short last batch) runs eagerly from its own
//    tensors, and before the first full batch nothing is captured;
//  - the learning rate is written to a device scalar before each step and read by the SGD update
//    there (kernels/sgd_update.h), so a per-iteration schedule replays with each step's rate;
//  - the loss and the count of correct predictions land in device scalars allocated once, which
//    the Trainer queues into its StepMetrics after the step.
// The kernels are the eager route's in the eager order, so replays give its results bit for bit
// where the kernels themselves are deterministic (--deterministic for cuDNN's convolutions).
#pragma once

#include <cstdint>

#include "data/loader.h"
#include "nn/module.h"
#include "nn/parameter_arena.h"
#include "optim/graph_step.h"
#include "optim/sgd.h"

namespace revive::optim {

class GraphTrainStep {
 public:
  // The parts must outlive this object; they live on `arena.device()`. `full_batch`: the loader's
  // batch size (the shape worth capturing).
  GraphTrainStep(nn::Module& model, nn::ParameterArena& arena, SgdOptimizer& optimizer, int64_t full_batch,
                 GraphStepOptions options = {});

  // Queues one training step on `batch` (on the arena's device) at learning rate `lr`, checked
  // here. Afterwards loss() and correct() hold the step's figures (on the device).
  StepRoute run(const Batch& batch, float lr);

  const Tensor& loss() const { return loss_; }        // float32 [1]
  const Tensor& correct() const { return correct_; }  // int64 [1]
  const GraphStep& graph() const { return graph_; }

 private:
  void step(const Tensor& images, const Tensor& labels);

  nn::Module& model_;
  nn::ParameterArena& arena_;
  SgdOptimizer& optimizer_;
  int64_t full_batch_;
  GraphStep graph_;
  Tensor images_, labels_;  // the captured shape's inputs, allocated at the first full batch
  Tensor lr_, loss_, correct_;
};

}  // namespace revive::optim
