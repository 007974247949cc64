#pragma once

#include "kernels/batch_norm.h"
#include "nn/module.h"

namespace revive::nn {

/// Batch normalisation over (N, H, W) per channel (PyTorch nn.BatchNorm2d, affine, tracking
/// running statistics). Input [N, C, H, W] -> output of the same shape and layout.
/// Parameters: weight (gamma) [C] = 1, bias (beta) [C] = 0. Buffers: running_mean [C] = 0,
/// running_var [C] = 1, num_batches_tracked (int64 scalar). Training mode (Module::is_training)
/// normalises with batch statistics and updates the running ones; eval mode uses the running ones.
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t num_features, float eps = 1e-5f, float momentum = 0.1f);

  using Module::forward;
  // act(this layer's output), the rectifier fused into the batch norm (F::batch_norm): what
  // relu(bn(x)) computes, bit for bit, with two passes over the activations fewer.
  Tensor forward(const Tensor& x, kernels::BnActivation act);

  int64_t num_features() const { return num_features_; }
  Parameter* weight() const { return weight_; }
  Parameter* bias() const { return bias_; }
  const Tensor& running_mean() const { return *running_mean_; }
  const Tensor& running_var() const { return *running_var_; }
  int64_t num_batches_tracked() const;

 private:
  Tensor forward_impl(const Tensor& x) override;
  // Both forwards after Module's input check: the shape check, then the op.
  Tensor normalize(const Tensor& x, kernels::BnActivation act);

  int64_t num_features_;
  float eps_, momentum_;
  Parameter* weight_;
  Parameter* bias_;
  Tensor* running_mean_;
  Tensor* running_var_;
  Tensor* num_batches_tracked_;
};

}  // namespace revive::nn
