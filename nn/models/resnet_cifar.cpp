#include "nn/models/resnet_cifar.h"

#include <memory>
#include <string>

#include "nn/functional.h"

namespace revive::nn::models {
namespace {

// conv1 3x3 (stride) - bn1 - relu - conv2 3x3 - bn2, plus the shortcut, then relu. When the block
// changes the shape, the shortcut is akamaster's option-A LambdaLayer:
// F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4)).
class BasicBlock : public Module {
 public:
  BasicBlock(int64_t in_planes, int64_t planes, int stride)
      : Module("BasicBlock"), downsample_(stride != 1 || in_planes != planes), pad_(static_cast<int>(planes / 4)) {
    // Option A only knows how to halve the size and double the channels.
    REVIVE_CHECK(!downsample_ || (stride == 2 && planes == 2 * in_planes),
                 "BasicBlock(" << in_planes << " -> " << planes << ", stride " << stride
                               << "): option-A shortcuts need stride 2 and doubled channels");
    conv1_ = register_module("conv1", std::make_unique<Conv2d>(in_planes, planes, 3, stride, 1, 1, false));
    bn1_ = register_module("bn1", std::make_unique<BatchNorm2d>(planes));
    conv2_ = register_module("conv2", std::make_unique<Conv2d>(planes, planes, 3, 1, 1, 1, false));
    bn2_ = register_module("bn2", std::make_unique<BatchNorm2d>(planes));
  }

 private:
  Tensor forward_impl(const Tensor& x) override {
    Tensor out = bn1_->forward(conv1_->forward(x), kernels::BnActivation::kRelu);
    out = bn2_->forward(conv2_->forward(out));
    const Tensor shortcut = downsample_ ? F::subsample_pad_channels(x, 2, pad_, pad_) : x;
    return F::add_relu(out, shortcut);
  }

  bool downsample_;
  int pad_;
  Conv2d* conv1_;
  BatchNorm2d* bn1_;
  Conv2d* conv2_;
  BatchNorm2d* bn2_;
};

}  // namespace

ResNetCifar::ResNetCifar(int depth, int64_t in_channels, int64_t num_classes) : Module("ResNetCifar") {
  REVIVE_CHECK(depth >= 8 && (depth - 2) % 6 == 0,
               "ResNetCifar: depth " << depth << " is not of the form 6n + 2 (20, 32, 44, 56, 110)");
  REVIVE_CHECK(in_channels > 0 && num_classes > 0,
               "ResNetCifar: expected positive in_channels and num_classes, got " << in_channels << " and "
                                                                                  << num_classes);
  const int n = (depth - 2) / 6;
  conv1_ = register_module("conv1", std::make_unique<Conv2d>(in_channels, 16, 3, 1, 1, 1, false));
  bn1_ = register_module("bn1", std::make_unique<BatchNorm2d>(16));
  int64_t in_planes = 16;
  const int64_t planes[3] = {16, 32, 64};
  const int strides[3] = {1, 2, 2};
  for (int s = 0; s < 3; ++s) {
    auto layer = std::make_unique<Sequential>();
    for (int b = 0; b < n; ++b) {
      layer->push_back(std::make_unique<BasicBlock>(in_planes, planes[s], b == 0 ? strides[s] : 1));
      in_planes = planes[s];
    }
    layers_[s] = register_module("layer" + std::to_string(s + 1), std::move(layer));
  }
  linear_ = register_module("linear", std::make_unique<Linear>(64, num_classes));
}

Tensor ResNetCifar::forward_impl(const Tensor& x) {
  Tensor out = bn1_->forward(conv1_->forward(x), kernels::BnActivation::kRelu);
  for (Sequential* layer : layers_) out = layer->forward(out);
  return linear_->forward(F::global_avg_pool(out));
}

}  // namespace revive::nn::models
