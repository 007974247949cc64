#include "nn/models/shufflenet_v1.h"

#include <memory>
#include <string>

#include "nn/functional.h"

namespace revive::nn::models {
namespace {

constexpr int kGroups = 3;
constexpr int64_t kStemPlanes = 24;
constexpr int64_t kStageOutPlanes[3] = {240, 480, 960};
constexpr int kStageBlocks[3] = {4, 8, 4};

class Bottleneck : public Module {
 public:
  // out_planes: channels this block computes (a stride-2 block's output is out_planes + in_planes).
  Bottleneck(int64_t in_planes, int64_t out_planes, int stride)
      : Module("ShuffleBottleneck"), stride_(stride), shuffle_groups_(in_planes == kStemPlanes ? 1 : kGroups) {
    const int64_t mid_planes = out_planes / 4;
    conv1_ = register_module("conv1", std::make_unique<Conv2d>(in_planes, mid_planes, 1, 1, 0, shuffle_groups_, false));
    bn1_ = register_module("bn1", std::make_unique<BatchNorm2d>(mid_planes));
    conv2_ = register_module(
        "conv2", std::make_unique<Conv2d>(mid_planes, mid_planes, 3, stride, 1, static_cast<int>(mid_planes), false));
    bn2_ = register_module("bn2", std::make_unique<BatchNorm2d>(mid_planes));
    conv3_ = register_module("conv3", std::make_unique<Conv2d>(mid_planes, out_planes, 1, 1, 0, kGroups, false));
    bn3_ = register_module("bn3", std::make_unique<BatchNorm2d>(out_planes));
  }

 private:
  Tensor forward_impl(const Tensor& x) override {
    Tensor out = bn1_->forward(conv1_->forward(x), kernels::BnActivation::kRelu);
    // Shuffling with one group is the identity.
    if (shuffle_groups_ > 1) out = F::channel_shuffle(out, shuffle_groups_);
    out = bn2_->forward(conv2_->forward(out), kernels::BnActivation::kRelu);
    out = bn3_->forward(conv3_->forward(out));
    if (stride_ == 2) {
      kernels::Pool2dParams pool;
      pool.kernel = 3;
      pool.stride = 2;
      pool.pad = 1;
      return F::relu(F::concat({out, F::avg_pool2d(x, pool)}));
    }
    return F::add_relu(out, x);
  }

  int stride_;
  int shuffle_groups_;
  Conv2d* conv1_;
  BatchNorm2d* bn1_;
  Conv2d* conv2_;
  BatchNorm2d* bn2_;
  Conv2d* conv3_;
  BatchNorm2d* bn3_;
};

}  // namespace

ShuffleNetV1::ShuffleNetV1(int64_t in_channels, int64_t num_classes) : Module("ShuffleNetV1") {
  REVIVE_CHECK(in_channels > 0 && num_classes > 0,
               "ShuffleNetV1: expected positive in_channels and num_classes, got " << in_channels << " and "
                                                                                   << num_classes);
  conv1_ = register_module("conv1", std::make_unique<Conv2d>(in_channels, kStemPlanes, 1, 1, 0, 1, false));
  bn1_ = register_module("bn1", std::make_unique<BatchNorm2d>(kStemPlanes));
  int64_t in_planes = kStemPlanes;
  for (int s = 0; s < 3; ++s) {
    auto layer = std::make_unique<Sequential>();
    for (int b = 0; b < kStageBlocks[s]; ++b) {
      // The first block of a stage concatenates its pooled input, so it computes the remainder.
      const int64_t computed = b == 0 ? kStageOutPlanes[s] - in_planes : kStageOutPlanes[s];
      layer->push_back(std::make_unique<Bottleneck>(in_planes, computed, b == 0 ? 2 : 1));
      in_planes = kStageOutPlanes[s];
    }
    layers_[s] = register_module("layer" + std::to_string(s + 1), std::move(layer));
  }
  linear_ = register_module("linear", std::make_unique<Linear>(in_planes, num_classes));
}

Tensor ShuffleNetV1::forward_impl(const Tensor& x) {
  Tensor out = bn1_->forward(conv1_->forward(x), kernels::BnActivation::kRelu);
  for (Sequential* layer : layers_) out = layer->forward(out);
  return linear_->forward(F::global_avg_pool(out));
}

}  // namespace revive::nn::models
