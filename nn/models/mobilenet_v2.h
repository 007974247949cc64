#pragma once

#include <cstdint>

#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/sequential.h"

namespace revive::nn::models {

/// MobileNetV2 for CIFAR, laid out and named as kuangliu/pytorch-cifar `models/mobilenetv2.py`:
/// conv1 3x3 32 stride 1 - bn1 - relu, `layers` = inverted-residual blocks from the config
/// (expansion, out, blocks, stride) = (1,16,1,1) (6,24,2,1) (6,32,3,2) (6,64,4,2) (6,96,3,1)
/// (6,160,3,2) (6,320,1,1), each conv1 1x1 expand - bn1 - relu - conv2 3x3 depthwise - bn2 - relu -
/// conv3 1x1 project - bn3, plus a shortcut when the stride is 1 (identity, or `shortcut` = 1x1 conv
/// + BN when the channels change); then conv2 1x1 1280 - bn2 - relu, global average pooling, `linear`.
/// Input [N, in_channels, H, W] -> logits [N, num_classes]. Width 1.0, 3 channels, 10 classes:
/// 2,296,922 parameters.
class MobileNetV2 : public Module {
 public:
  struct Options {
    // Channel multiplier (kuangliu has none). Channels follow torchvision's mobilenetv2.py: the stem
    // and every block output are width * c rounded to the nearest multiple of 8 (never below 8 nor
    // 10% under width * c), the last conv keeps 1280 unless width > 1. Every channel count of the
    // 1.0 network is a multiple of 8, so width 1.0 is kuangliu's network exactly.
    float width = 1.0f;
    // kuangliu uses ReLU; the paper uses ReLU6.
    bool relu6 = false;
  };

  MobileNetV2(int64_t in_channels, int64_t num_classes, const Options& options);
  MobileNetV2(int64_t in_channels, int64_t num_classes) : MobileNetV2(in_channels, num_classes, Options()) {}

 private:
  Tensor forward_impl(const Tensor& x) override;

  bool relu6_;
  Conv2d* conv1_;
  BatchNorm2d* bn1_;
  Sequential* layers_;
  Conv2d* conv2_;
  BatchNorm2d* bn2_;
  Linear* linear_;
};

// torchvision's _make_divisible(value, 8).
int64_t round_channels(double value);

}  // namespace revive::nn::models
