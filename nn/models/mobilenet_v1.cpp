#include "nn/models/mobilenet_v1.h"

#include <memory>

#include "nn/functional.h"

namespace revive::nn::models {
namespace {

// Depthwise 3x3 (stride) - bn1 - relu - pointwise 1x1 - bn2 - relu.
class Block : public Module {
 public:
  Block(int64_t in_planes, int64_t out_planes, int stride) : Module("MobileNetV1Block") {
    conv1_ = register_module("conv1",
                             std::make_unique<Conv2d>(in_planes, in_planes, 3, stride, 1, static_cast<int>(in_planes), false));
    bn1_ = register_module("bn1", std::make_unique<BatchNorm2d>(in_planes));
    conv2_ = register_module("conv2", std::make_unique<Conv2d>(in_planes, out_planes, 1, 1, 0, 1, false));
    bn2_ = register_module("bn2", std::make_unique<BatchNorm2d>(out_planes));
  }

 private:
  Tensor forward_impl(const Tensor& x) override {
    const Tensor out = bn1_->forward(conv1_->forward(x), kernels::BnActivation::kRelu);
    return bn2_->forward(conv2_->forward(out), kernels::BnActivation::kRelu);
  }

  Conv2d* conv1_;
  BatchNorm2d* bn1_;
  Conv2d* conv2_;
  BatchNorm2d* bn2_;
};

struct BlockConfig {
  int64_t out_planes;
  int stride;
};
constexpr BlockConfig kConfig[] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},  {512, 1},
                                   {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};

}  // namespace

MobileNetV1::MobileNetV1(int64_t in_channels, int64_t num_classes) : Module("MobileNetV1") {
  REVIVE_CHECK(in_channels > 0 && num_classes > 0,
               "MobileNetV1: expected positive in_channels and num_classes, got " << in_channels << " and "
                                                                                  << num_classes);
  conv1_ = register_module("conv1", std::make_unique<Conv2d>(in_channels, 32, 3, 1, 1, 1, false));
  bn1_ = register_module("bn1", std::make_unique<BatchNorm2d>(32));
  auto layers = std::make_unique<Sequential>();
  int64_t in_planes = 32;
  for (const BlockConfig& c : kConfig) {
    layers->push_back(std::make_unique<Block>(in_planes, c.out_planes, c.stride));
    in_planes = c.out_planes;
  }
  layers_ = register_module("layers", std::move(layers));
  linear_ = register_module("linear", std::make_unique<Linear>(in_planes, num_classes));
}

Tensor MobileNetV1::forward_impl(const Tensor& x) {
  const Tensor out = layers_->forward(bn1_->forward(conv1_->forward(x), kernels::BnActivation::kRelu));
  return linear_->forward(F::global_avg_pool(out));
}

}  // namespace revive::nn::models
