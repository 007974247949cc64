#pragma once

#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/sequential.h"

namespace revive::nn::models {

/// MobileNetV1 for CIFAR, laid out and named as kuangliu/pytorch-cifar `models/mobilenet.py`:
/// conv1 3x3 32 stride 1 - bn1 - relu, `layers` = 13 depthwise-separable blocks (conv1 depthwise 3x3
/// - bn1 - relu - conv2 pointwise 1x1 - bn2 - relu) with outputs
/// [64, (128,2), 128, (256,2), 256, (512,2), 512 x5, (1024,2), 1024], global average pooling (in place
/// of kuangliu's avg_pool2d(2), same result on 32x32 and valid on 28x28), `linear`.
/// Input [N, in_channels, H, W] -> logits [N, num_classes]. 3 channels, 10 classes: 3,217,226 parameters.
class MobileNetV1 : public Module {
 public:
  MobileNetV1(int64_t in_channels, int64_t num_classes);

 private:
  Tensor forward_impl(const Tensor& x) override;

  Conv2d* conv1_;
  BatchNorm2d* bn1_;
  Sequential* layers_;
  Linear* linear_;
};

}  // namespace revive::nn::models
