#include "nn/conv2d.h"

#include "nn/functional.h"

namespace revive::nn {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, int kernel, int stride, int padding, int groups, bool bias)
    : Module("Conv2d"), in_channels_(in_channels), out_channels_(out_channels) {
  REVIVE_CHECK(in_channels > 0 && out_channels > 0 && kernel > 0 && stride > 0 && padding >= 0 && groups > 0,
               "Conv2d(" << in_channels << ", " << out_channels << ", kernel " << kernel << ", stride " << stride
                         << ", padding " << padding << ", groups " << groups
                         << "): expected positive sizes and a non-negative padding");
  REVIVE_CHECK(in_channels % groups == 0 && out_channels % groups == 0,
               "Conv2d(" << in_channels << ", " << out_channels << "): groups = " << groups
                         << " must divide both channel counts");
  params_.stride_h = params_.stride_w = stride;
  params_.pad_h = params_.pad_w = padding;
  params_.groups = groups;
  const int64_t fan_in = in_channels / groups * kernel * kernel;
  weight_ = register_parameter("weight", {out_channels, in_channels / groups, kernel, kernel}, ParamKind::kConvWeight,
                               ParamInit::kUniformFanIn, fan_in, groups);
  if (bias) {
    bias_ = register_parameter("bias", {out_channels}, ParamKind::kConvBias, ParamInit::kUniformFanIn, fan_in);
  }
}

Tensor Conv2d::forward_impl(const Tensor& x) {
  REVIVE_CHECK(x.ndim() == 4 && x.dim(1) == in_channels_,
               "Conv2d(" << in_channels_ << " -> " << out_channels_ << "): expected input [N, " << in_channels_
                         << ", H, W], got " << shape_str(x.shape()));
  return F::conv2d(x, weight_->value(), bias_ ? bias_->value() : Tensor(), params_);
}

}  // namespace revive::nn
