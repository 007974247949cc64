#include "nn/models/mobilenet_v2.h"

#include <algorithm>
#include <memory>

#include "nn/functional.h"

namespace revive::nn::models {
namespace {

kernels::BnActivation activation(bool relu6) {
  return relu6 ? kernels::BnActivation::kRelu6 : kernels::BnActivation::kRelu;
}

// Expand 1x1 - bn1 - act - depthwise 3x3 (stride) - bn2 - act - project 1x1 - bn3 (+ shortcut when
// the stride is 1).
class Block : public Module {
 public:
  Block(int64_t in_planes, int64_t out_planes, int64_t expansion, int stride, bool relu6)
      : Module("MobileNetV2Block"), residual_(stride == 1), relu6_(relu6) {
    const int64_t planes = expansion * in_planes;
    conv1_ = register_module("conv1", std::make_unique<Conv2d>(in_planes, planes, 1, 1, 0, 1, false));
    bn1_ = register_module("bn1", std::make_unique<BatchNorm2d>(planes));
    conv2_ = register_module("conv2", std::make_unique<Conv2d>(planes, planes, 3, stride, 1, static_cast<int>(planes), false));
    bn2_ = register_module("bn2", std::make_unique<BatchNorm2d>(planes));
    conv3_ = register_module("conv3", std::make_unique<Conv2d>(planes, out_planes, 1, 1, 0, 1, false));
    bn3_ = register_module("bn3", std::make_unique<BatchNorm2d>(out_planes));
    auto shortcut = std::make_unique<Sequential>();
    if (stride == 1 && in_planes != out_planes) {
      shortcut->push_back(std::make_unique<Conv2d>(in_planes, out_planes, 1, 1, 0, 1, false));
      shortcut->push_back(std::make_unique<BatchNorm2d>(out_planes));
    }
    shortcut_ = register_module("shortcut", std::move(shortcut));
  }

 private:
  Tensor forward_impl(const Tensor& x) override {
    Tensor out = bn1_->forward(conv1_->forward(x), activation(relu6_));
    out = bn2_->forward(conv2_->forward(out), activation(relu6_));
    out = bn3_->forward(conv3_->forward(out));
    return residual_ ? F::add(out, shortcut_->forward(x)) : out;
  }

  bool residual_, relu6_;
  Conv2d* conv1_;
  BatchNorm2d* bn1_;
  Conv2d* conv2_;
  BatchNorm2d* bn2_;
  Conv2d* conv3_;
  BatchNorm2d* bn3_;
  Sequential* shortcut_;
};

struct StageConfig {
  int64_t expansion, out_planes;
  int n_blocks, stride;
};
// kuangliu's cfg; the second stage's stride is 1 (not the paper's 2) for 32x32 inputs.
constexpr StageConfig kConfig[] = {{1, 16, 1, 1}, {6, 24, 2, 1},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                   {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

}  // namespace

int64_t round_channels(double value) {
  const int64_t rounded = std::max<int64_t>(8, static_cast<int64_t>(value + 4.0) / 8 * 8);
  return rounded < 0.9 * value ? rounded + 8 : rounded;
}

MobileNetV2::MobileNetV2(int64_t in_channels, int64_t num_classes, const Options& options)
    : Module("MobileNetV2"), relu6_(options.relu6) {
  REVIVE_CHECK(in_channels > 0 && num_classes > 0,
               "MobileNetV2: expected positive in_channels and num_classes, got " << in_channels << " and "
                                                                                  << num_classes);
  REVIVE_CHECK(options.width > 0.0f && options.width <= 4.0f,
               "MobileNetV2: width multiplier " << options.width << " out of range; expected (0, 4], e.g. 0.5 or 1.0");
  const double w = options.width;
  int64_t in_planes = round_channels(32 * w);
  conv1_ = register_module("conv1", std::make_unique<Conv2d>(in_channels, in_planes, 3, 1, 1, 1, false));
  bn1_ = register_module("bn1", std::make_unique<BatchNorm2d>(in_planes));
  auto layers = std::make_unique<Sequential>();
  for (const StageConfig& c : kConfig) {
    const int64_t out_planes = round_channels(c.out_planes * w);
    for (int b = 0; b < c.n_blocks; ++b) {
      layers->push_back(std::make_unique<Block>(in_planes, out_planes, c.expansion, b == 0 ? c.stride : 1, relu6_));
      in_planes = out_planes;
    }
  }
  layers_ = register_module("layers", std::move(layers));
  const int64_t last = round_channels(1280 * std::max(1.0, w));
  conv2_ = register_module("conv2", std::make_unique<Conv2d>(in_planes, last, 1, 1, 0, 1, false));
  bn2_ = register_module("bn2", std::make_unique<BatchNorm2d>(last));
  linear_ = register_module("linear", std::make_unique<Linear>(last, num_classes));
}

Tensor MobileNetV2::forward_impl(const Tensor& x) {
  Tensor out = layers_->forward(bn1_->forward(conv1_->forward(x), activation(relu6_)));
  out = bn2_->forward(conv2_->forward(out), activation(relu6_));
  return linear_->forward(F::global_avg_pool(out));
}

}  // namespace revive::nn::models
