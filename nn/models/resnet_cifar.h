#pragma once

#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/sequential.h"

namespace revive::nn::models {

/// The CIFAR ResNets of He et al. 2016 sec. 4.2 (depth = 6n + 2: 20, 32, 44, 56, 110), laid out and
/// named as the widely used "akamaster" PyTorch definition: conv1 3x3 16 - bn1 - relu, layer1/2/3
/// of n BasicBlocks with 16/32/64 channels and strides 1/2/2, global average pooling, `linear`.
/// Shortcuts are option A (parameter-free: subsample by 2 and zero-pad channels).
/// Input [N, in_channels, H, W] (e.g. 1x28x28, 3x32x32) -> logits [N, num_classes].
/// ResNet-20 with 3 input channels and 10 classes has 269,722 parameters.
class ResNetCifar : public Module {
 public:
  ResNetCifar(int depth, int64_t in_channels, int64_t num_classes);

 private:
  Tensor forward_impl(const Tensor& x) override;

  Conv2d* conv1_;
  BatchNorm2d* bn1_;
  Sequential* layers_[3];
  Linear* linear_;
};

}  // namespace revive::nn::models
