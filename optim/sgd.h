// SgdOptimizer: PyTorch torch.optim.SGD over a parameter arena (ARCHITECTURE.md decision 2). The
// update itself is kernels/sgd_update.h; this class owns the hyper-parameters, the momentum arena
// and the "has the momentum buffer been written yet" flag that PyTorch's first step depends on.
#pragma once

#include "core/tensor.h"
#include "kernels/sgd_update.h"

namespace revive::optim {

struct SgdOptions {
  double lr = 0.1;  // base learning rate; a schedule (optim/schedule.h) scales it per step
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;  // applied to every parameter, BN included (PyTorch's default)
  bool nesterov = false;
};

// Throws revive::Error on values PyTorch rejects: negative or non-finite lr, momentum, weight
// decay; non-finite dampening; Nesterov without momentum or with dampening.
void validate(const SgdOptions& options);

// What a checkpoint stores besides the options.
struct SgdState {
  Tensor momentum;                    // the momentum arena; undefined when options.momentum == 0
  bool momentum_initialised = false;  // true after the first step (PyTorch: buffer is not None)
};

class SgdOptimizer {
 public:
  // params: the parameter arena (plain float32, any shape). The momentum arena gets its size and device.
  SgdOptimizer(const SgdOptions& options, const Tensor& params);

  // One update of params (in place) from grads, at learning rate lr (the schedule's value).
  void step(Tensor& params, const Tensor& grads, float lr);
  // The same with the learning rate in a one-element float32 tensor on the arena's device, read by
  // the update itself (a CUDA Graph replay reads the value written there before it; the caller
  // checks the value, which this call cannot without waiting for the device).
  void step(Tensor& params, const Tensor& grads, const Tensor& lr);
  // Gradients accumulate (core/autograd.h), so every iteration starts from a zeroed gradient arena.
  static void zero_grad(Tensor& grads) { grads.zero_(); }

  const SgdOptions& options() const { return options_; }
  // The live momentum arena (not a copy): for checkpoints and for code that rewrites weights.
  const Tensor& momentum() const { return momentum_; }
  SgdState state() const { return {momentum_, momentum_initialised_}; }
  // Copies a saved state into this optimizer's arena (any device; sizes must match).
  void load_state(const SgdState& state);

 private:
  void check_arena(const Tensor& params) const;
  // The hyper-parameters of the next step (the learning rate left 0 for the caller).
  kernels::SgdUpdateParams update_params() const;

  SgdOptions options_;
  int64_t n_elements_;
  Device device_;
  Tensor momentum_;
  bool momentum_initialised_ = false;
};

}  // namespace revive::optim
