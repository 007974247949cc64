// revive against PyTorch: tools/make_torch_fixture.py builds a tiny CNN in PyTorch 1.13, runs one
// forward/backward and three SGD steps (lr 0.1, momentum 0.9, wd 5e-4) and stores everything in
// tests/fixtures/tiny_cnn_sgd.safetensors. The same network built from revive's layers, loaded
// with the same weights, must reproduce the logits, the gradients, the losses and the weights and
// BN statistics after three steps.
#include <gtest/gtest.h>

#include <memory>

#include "core/safetensors.h"
#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/functional.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/parameter_arena.h"
#include "nn/state_dict.h"
#include "optim/sgd.h"
#include "support/allclose.h"

namespace revive {
namespace {

class TinyCnn : public nn::Module {
 public:
  TinyCnn() : Module("TinyCnn") {
    conv1_ = register_module("conv1", std::make_unique<nn::Conv2d>(1, 4, 3, 1, 1, 1, false));
    bn1_ = register_module("bn1", std::make_unique<nn::BatchNorm2d>(4));
    conv2_ = register_module("conv2", std::make_unique<nn::Conv2d>(4, 8, 3, 2, 1, 1, true));
    bn2_ = register_module("bn2", std::make_unique<nn::BatchNorm2d>(8));
    conv3_ = register_module("conv3", std::make_unique<nn::Conv2d>(8, 8, 3, 1, 1, 8, false));
    bn3_ = register_module("bn3", std::make_unique<nn::BatchNorm2d>(8));
    conv4_ = register_module("conv4", std::make_unique<nn::Conv2d>(8, 16, 1, 2, 0, 1, false));
    bn4_ = register_module("bn4", std::make_unique<nn::BatchNorm2d>(16));
    linear_ = register_module("linear", std::make_unique<nn::Linear>(16, 5));
  }

 private:
  Tensor forward_impl(const Tensor& x) override {
    Tensor h = F::max_pool2d(F::relu(bn1_->forward(conv1_->forward(x))), {2, 2, 0});
    h = F::relu(bn2_->forward(conv2_->forward(h)));
    h = F::relu6(F::add(bn3_->forward(conv3_->forward(h)), h));
    Tensor shortcut = F::subsample_pad_channels(h, 2, 4, 4);
    h = F::relu(F::add(bn4_->forward(conv4_->forward(h)), shortcut));
    return linear_->forward(F::global_avg_pool(h));
  }

  nn::Conv2d *conv1_, *conv2_, *conv3_, *conv4_;
  nn::BatchNorm2d *bn1_, *bn2_, *bn3_, *bn4_;
  nn::Linear* linear_;
};

std::map<std::string, Tensor> with_prefix(const SafetensorsFile& f, const std::string& prefix) {
  std::map<std::string, Tensor> out;
  for (const auto& [name, t] : f.tensors) {
    if (name.rfind(prefix, 0) == 0) out.emplace(name.substr(prefix.size()), t);
  }
  return out;
}

TEST(TorchCrosscheck, TinyCnnMatchesPyTorchThroughThreeSgdSteps) {
  const std::string path = std::string(REVIVE_SOURCE_DIR) + "/tests/fixtures/tiny_cnn_sgd.safetensors";
  const SafetensorsFile fx = load_safetensors(path);
  TinyCnn model;
  nn::ParameterArena arena = nn::ParameterArena::build(model, Device::cpu(), 0);
  nn::load_state_dict(model, with_prefix(fx, "init."), path);
  const Tensor& x = fx.tensors.at("input");
  const Tensor& y = fx.tensors.at("labels");

  optim::SgdOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  o.weight_decay = 5e-4;
  optim::SgdOptimizer sgd(o, arena.params());
  const std::vector<float> expected_losses = fx.tensors.at("losses").to_vector<float>();
  model.train();
  for (int step = 0; step < 3; ++step) {
    arena.zero_grad();
    Tensor logits = model.forward(x);
    Tensor loss = F::softmax_cross_entropy(logits, y);
    loss.backward();
    // Single-precision sums in a different order than PyTorch's: a few ulps of the values.
    EXPECT_NEAR(loss.item(), expected_losses[step], 2e-6) << "step " << step;
    if (step == 0) {
      EXPECT_ALLCLOSE(fx.tensors.at("step0.logits"), logits, 1e-5, 1e-5);
      for (const auto& [name, p] : model.named_parameters()) {
        SCOPED_TRACE(name);
        EXPECT_ALLCLOSE(fx.tensors.at("step0.grad." + name), p->value().grad(), 2e-5, 1e-4);
      }
    }
    Tensor params = arena.params();
    sgd.step(params, arena.grads(), 0.1f);
  }
  for (const auto& [name, t] : model.state_dict()) {
    SCOPED_TRACE(name);
    const Tensor& want = fx.tensors.at("step3." + name);
    if (t.dtype() == DType::kInt64) {
      EXPECT_EQ(t.to_vector<int64_t>(), want.to_vector<int64_t>());
    } else {
      EXPECT_ALLCLOSE(want, t, 2e-5, 1e-4);
    }
  }
  model.eval();
  EXPECT_ALLCLOSE(fx.tensors.at("eval.logits"), model.forward(x), 2e-5, 1e-4);
}

}  // namespace
}  // namespace revive
