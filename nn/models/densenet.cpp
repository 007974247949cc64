#include "nn/models/densenet.h"

#include <memory>
#include <string>

#include "nn/functional.h"
#include "nn/sequential.h"

namespace revive::nn::models {
namespace {

// bn1 - relu - conv1 (kernel), the pre-activation unit shared by dense layers and transitions.
class BnReluConv : public Module {
 public:
  BnReluConv(const char* type_name, int64_t in_planes, int64_t out_planes, int kernel)
      : Module(type_name) {
    bn1_ = register_module("bn1", std::make_unique<BatchNorm2d>(in_planes));
    conv1_ = register_module("conv1", std::make_unique<Conv2d>(in_planes, out_planes, kernel, 1, kernel / 2, 1, false));
  }

 protected:
  Tensor bn_relu_conv(const Tensor& x) { return conv1_->forward(bn1_->forward(x, kernels::BnActivation::kRelu)); }

 private:
  BatchNorm2d* bn1_;
  Conv2d* conv1_;
};

// Output: the input with `growth` new channels appended.
class DenseLayer : public BnReluConv {
 public:
  DenseLayer(int64_t in_planes, int64_t growth) : BnReluConv("DenseLayer", in_planes, growth, 3) {}

 private:
  Tensor forward_impl(const Tensor& x) override { return F::concat({x, bn_relu_conv(x)}); }
};

// Same channels, half the size.
class Transition : public BnReluConv {
 public:
  explicit Transition(int64_t planes) : BnReluConv("Transition", planes, planes, 1) {}

 private:
  Tensor forward_impl(const Tensor& x) override {
    kernels::Pool2dParams pool;
    pool.kernel = 2;
    pool.stride = 2;
    return F::avg_pool2d(bn_relu_conv(x), pool);
  }
};

// andreasveit's DenseBlock: a module whose only child is the Sequential `layer`.
class DenseBlock : public Module {
 public:
  DenseBlock(int n_layers, int64_t in_planes, int64_t growth) : Module("DenseBlock") {
    auto layer = std::make_unique<Sequential>();
    for (int i = 0; i < n_layers; ++i) layer->push_back(std::make_unique<DenseLayer>(in_planes + i * growth, growth));
    layer_ = register_module("layer", std::move(layer));
  }

 private:
  Tensor forward_impl(const Tensor& x) override { return layer_->forward(x); }

  Sequential* layer_;
};

}  // namespace

DenseNet::DenseNet(int depth, int64_t growth, int64_t in_channels, int64_t num_classes) : Module("DenseNet") {
  REVIVE_CHECK(depth >= 7 && (depth - 4) % 3 == 0,
               "DenseNet: depth " << depth << " is not of the form 3n + 4 (e.g. 40)");
  REVIVE_CHECK(growth > 0 && in_channels > 0 && num_classes > 0,
               "DenseNet: expected positive growth, in_channels and num_classes, got " << growth << ", "
                                                                                      << in_channels << " and "
                                                                                      << num_classes);
  const int n = (depth - 4) / 3;
  int64_t planes = 2 * growth;
  conv1_ = register_module("conv1", std::make_unique<Conv2d>(in_channels, planes, 3, 1, 1, 1, false));
  for (int b = 0; b < 3; ++b) {
    blocks_[b] = register_module("block" + std::to_string(b + 1), std::make_unique<DenseBlock>(n, planes, growth));
    planes += n * growth;
    if (b < 2) transitions_[b] = register_module("trans" + std::to_string(b + 1), std::make_unique<Transition>(planes));
  }
  bn1_ = register_module("bn1", std::make_unique<BatchNorm2d>(planes));
  fc_ = register_module("fc", std::make_unique<Linear>(planes, num_classes));
}

Tensor DenseNet::forward_impl(const Tensor& x) {
  Tensor out = conv1_->forward(x);
  for (int b = 0; b < 3; ++b) {
    out = blocks_[b]->forward(out);
    if (b < 2) out = transitions_[b]->forward(out);
  }
  return fc_->forward(F::global_avg_pool(bn1_->forward(out, kernels::BnActivation::kRelu)));
}

}  // namespace revive::nn::models
