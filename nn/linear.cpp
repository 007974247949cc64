#include "nn/linear.h"

#include "nn/functional.h"

namespace revive::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : Module("Linear"), in_features_(in_features), out_features_(out_features) {
  REVIVE_CHECK(in_features > 0 && out_features > 0,
               "Linear(" << in_features << ", " << out_features << "): expected positive sizes");
  weight_ = register_parameter("weight", {out_features, in_features}, ParamKind::kLinearWeight,
                               ParamInit::kUniformFanIn, in_features);
  if (bias) {
    bias_ = register_parameter("bias", {out_features}, ParamKind::kLinearBias, ParamInit::kUniformFanIn, in_features);
  }
}

Tensor Linear::forward_impl(const Tensor& x) {
  REVIVE_CHECK(x.ndim() == 2 && x.dim(1) == in_features_,
               "Linear(" << in_features_ << " -> " << out_features_ << "): expected input [N, " << in_features_
                         << "], got " << shape_str(x.shape()));
  return F::linear(x, weight_->value(), bias_ ? bias_->value() : Tensor());
}

}  // namespace revive::nn
