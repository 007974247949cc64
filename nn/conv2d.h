#pragma once

#include "kernels/conv2d.h"
#include "nn/module.h"

namespace revive::nn {

/// 2-D convolution (PyTorch nn.Conv2d with a square kernel, zero padding, no dilation).
/// Input [N, in_channels, H, W] -> output [N, out_channels, P, Q], P = (H + 2 padding - kernel) / stride + 1.
/// Parameters: weight [out_channels, in_channels / groups, kernel, kernel], bias [out_channels]
/// (when `bias`), both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups * kernel^2.
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, int kernel, int stride = 1, int padding = 0, int groups = 1,
         bool bias = true);

  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  const kernels::Conv2dParams& params() const { return params_; }
  Parameter* weight() const { return weight_; }
  Parameter* bias() const { return bias_; }  // null without bias

 private:
  Tensor forward_impl(const Tensor& x) override;

  int64_t in_channels_, out_channels_;
  kernels::Conv2dParams params_;
  Parameter* weight_ = nullptr;
  Parameter* bias_ = nullptr;
};

}  // namespace revive::nn
