#pragma once

#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/module.h"

namespace revive::nn::models {

/// DenseNet for CIFAR without bottlenecks or compression (Huang et al. 2017; DenseNet-40 is depth
/// 40, growth 12), laid out and named as the widely used andreasveit/densenet-pytorch `DenseNet3`
/// with bottleneck=False, reduction=1.0: conv1 3x3 to 2*growth channels; block1/2/3 each a `layer`
/// Sequential of (depth - 4) / 3 BasicBlocks (bn1 - relu - conv1 3x3 growth, concatenated to the
/// input); trans1/2 (bn1 - relu - conv1 1x1 keeping the channels - avgpool 2); bn1 - relu, global
/// average pooling, `fc`.
/// Input [N, in_channels, H, W] -> logits [N, num_classes]. DenseNet-40, 3 channels, 10 classes:
/// 1,059,298 parameters.
class DenseNet : public Module {
 public:
  DenseNet(int depth, int64_t growth, int64_t in_channels, int64_t num_classes);

 private:
  Tensor forward_impl(const Tensor& x) override;

  Conv2d* conv1_;
  Module* blocks_[3];
  Module* transitions_[2];
  BatchNorm2d* bn1_;
  Linear* fc_;
};

}  // namespace revive::nn::models
