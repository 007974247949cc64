#include "nn/batch_norm2d.h"

#include "kernels/counter.h"
#include "nn/functional.h"

namespace revive::nn {

BatchNorm2d::BatchNorm2d(int64_t num_features, float eps, float momentum)
    : Module("BatchNorm2d"), num_features_(num_features), eps_(eps), momentum_(momentum) {
  REVIVE_CHECK(num_features > 0 && eps > 0.0f && momentum >= 0.0f && momentum <= 1.0f,
               "BatchNorm2d(" << num_features << ", eps " << eps << ", momentum " << momentum
                              << "): expected num_features > 0, eps > 0 and momentum in [0, 1]");
  weight_ = register_parameter("weight", {num_features}, ParamKind::kBnWeight, ParamInit::kOnes, 0);
  bias_ = register_parameter("bias", {num_features}, ParamKind::kBnBias, ParamInit::kZeros, 0);
  running_mean_ = register_buffer("running_mean", Tensor::zeros({num_features}));
  running_var_ = register_buffer("running_var", Tensor::full({num_features}, 1.0f));
  // A 0-d int64 tensor, as in PyTorch state dicts.
  num_batches_tracked_ = register_buffer("num_batches_tracked", Tensor::zeros({}, DType::kInt64));
}

int64_t BatchNorm2d::num_batches_tracked() const {
  return num_batches_tracked_->to(Device::cpu()).data<int64_t>()[0];
}

Tensor BatchNorm2d::forward_impl(const Tensor& x) { return normalize(x, kernels::BnActivation::kNone); }

Tensor BatchNorm2d::forward(const Tensor& x, kernels::BnActivation act) {
  check_input(x);
  return normalize(x, act);
}

Tensor BatchNorm2d::normalize(const Tensor& x, kernels::BnActivation act) {
  REVIVE_CHECK(x.ndim() == 4 && x.dim(1) == num_features_,
               "BatchNorm2d(" << num_features_ << "): expected input [N, " << num_features_ << ", H, W], got "
                              << shape_str(x.shape()));
  Tensor y = F::batch_norm(x, weight_->value(), bias_->value(), *running_mean_, *running_var_, is_training(),
                           momentum_, eps_, act);
  // Counted where the buffer lives: a round trip through the host would make every training step
  // wait for the GPU.
  if (is_training()) kernels::counter_increment(*num_batches_tracked_);
  return y;
}

}  // namespace revive::nn
