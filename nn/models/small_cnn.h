#pragma once

#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/pool2d.h"

namespace revive::nn::models {

/// A small plain CNN for quick runs (Fashion-MNIST in a couple of CPU epochs):
/// conv1 3x3 32 - bn1 - relu - maxpool 2, conv2 3x3 64 - bn2 - relu - maxpool 2,
/// conv3 3x3 128 - bn3 - relu, global average pooling, `linear`. Convs pad 1 and have no bias (BN follows).
/// Input [N, in_channels, H >= 4, W >= 4] -> logits [N, num_classes].
/// 1 channel, 10 classes: 94,186 parameters.
class SmallCnn : public Module {
 public:
  SmallCnn(int64_t in_channels, int64_t num_classes);

 private:
  Tensor forward_impl(const Tensor& x) override;

  Conv2d* conv_[3];
  BatchNorm2d* bn_[3];
  MaxPool2d* pool_;
  Linear* linear_;
};

}  // namespace revive::nn::models
