#pragma once

#include "nn/module.h"

namespace revive::nn {

/// Mean over each channel's H x W plane, flattened: input [N, C, H, W] -> output [N, C] (plain).
/// Replaces the CIFAR definitions' fixed-size avg_pool2d + view, so a model accepts 28x28 and
/// 32x32 inputs alike.
class GlobalAvgPool : public Module {
 public:
  GlobalAvgPool() : Module("GlobalAvgPool") {}

 private:
  Tensor forward_impl(const Tensor& x) override;
};

}  // namespace revive::nn
