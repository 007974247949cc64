#pragma once

#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/sequential.h"

namespace revive::nn::models {

/// ShuffleNetV1 (g = 3) for CIFAR, laid out and named as kuangliu/pytorch-cifar `models/shufflenet.py`
/// (ShuffleNetG3): conv1 1x1 24 - bn1 - relu, layer1/2/3 of 4/8/4 bottlenecks with outputs
/// 240/480/960, global average pooling, `linear`. A bottleneck is conv1 grouped 1x1 (ungrouped when
/// its input is the 24-channel stem, as in that code) - bn1 - relu - channel shuffle - conv2
/// depthwise 3x3 (stride) - bn2 - relu - conv3 grouped 1x1 - bn3; stride 1 adds the input, stride 2
/// (each stage's first block) concatenates a 3x3/2 average-pooled input; then relu.
/// Input [N, in_channels, H, W] -> logits [N, num_classes]. 3 channels, 10 classes: 862,768 parameters.
class ShuffleNetV1 : public Module {
 public:
  ShuffleNetV1(int64_t in_channels, int64_t num_classes);

 private:
  Tensor forward_impl(const Tensor& x) override;

  Conv2d* conv1_;
  BatchNorm2d* bn1_;
  Sequential* layers_[3];
  Linear* linear_;
};

}  // namespace revive::nn::models
