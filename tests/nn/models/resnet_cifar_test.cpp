#include "nn/models/resnet_cifar.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/autograd.h"
#include "model_checks.h"
#include "nn/parameter_arena.h"
#include "support/tensor_utils.h"

namespace revive::nn::models {
namespace {

using namespace nn::testing;  // model_checks.h

// Parameters of the akamaster definition, n = (depth - 2) / 6 blocks per stage, 3x3 convs without
// bias, BN = 2 per channel:
//   conv1 c*16*9 + bn1 32
//   layer1: n * (2 * 16*16*9 + 2 * 32)                               = n * 4,672
//   layer2: 16*32*9 + 32*32*9 + 128 + (n-1) * (2 * 32*32*9 + 128)     = 13,952 + (n-1) * 18,560
//   layer3: 32*64*9 + 64*64*9 + 256 + (n-1) * (2 * 64*64*9 + 256)     = 55,552 + (n-1) * 73,984
//   linear 64*k + k
int64_t resnet_params(int depth, int64_t c, int64_t k) {
  const int64_t n = (depth - 2) / 6;
  return c * 144 + 32 + n * 4672 + 13952 + (n - 1) * 18560 + 55552 + (n - 1) * 73984 + 65 * k;
}

TEST(ResNetCifar, ParameterCountsMatchThePyTorchDefinition) {
  // The published counts: ResNet-20 0.27M, ResNet-56 0.85M (He et al. 2016, table 6).
  EXPECT_EQ(ResNetCifar(20, 3, 10).n_parameters(), 269722);
  EXPECT_EQ(ResNetCifar(56, 3, 10).n_parameters(), 853018);
  EXPECT_EQ(resnet_params(20, 3, 10), 269722);
  EXPECT_EQ(resnet_params(56, 3, 10), 853018);
  for (int depth : {20, 32, 56, 110}) {
    for (int64_t c : {1, 3}) {
      EXPECT_EQ(ResNetCifar(depth, c, 10).n_parameters(), resnet_params(depth, c, 10)) << depth << " " << c;
    }
  }
  EXPECT_EQ(ResNetCifar(20, 1, 10).n_parameters(), 269434);  // 269,722 - 2 * 16*9
  EXPECT_EQ(ResNetCifar(110, 3, 100).n_parameters(), resnet_params(110, 3, 100));  // 1.7M
}

TEST(ResNetCifar, StateDictNamesAreAkamasters) {
  ResNetCifar model(20, 3, 10);
  const auto state = state_dict_shapes(model);
  // conv1 + bn1 (5) + 9 blocks x (conv1, bn1 x5, conv2, bn2 x5) + linear (2); option-A shortcuts
  // have no parameters.
  ASSERT_EQ(state.size(), 1u + 5 + 9 * 12 + 2);
  const std::vector<std::string> names = names_of(state);
  const std::vector<std::string> head(names.begin(), names.begin() + 14);
  EXPECT_EQ(head, (std::vector<std::string>{
                      "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                      "bn1.num_batches_tracked", "layer1.0.conv1.weight", "layer1.0.bn1.weight",
                      "layer1.0.bn1.bias", "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var",
                      "layer1.0.bn1.num_batches_tracked", "layer1.0.conv2.weight", "layer1.0.bn2.weight"}));
  const std::vector<std::string> tail(names.end() - 7, names.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"layer3.2.bn2.weight", "layer3.2.bn2.bias", "layer3.2.bn2.running_mean",
                                            "layer3.2.bn2.running_var", "layer3.2.bn2.num_batches_tracked",
                                            "linear.weight", "linear.bias"}));
  EXPECT_EQ(shape_of(state, "conv1.weight"), (Shape{16, 3, 3, 3}));
  EXPECT_EQ(shape_of(state, "layer2.0.conv1.weight"), (Shape{32, 16, 3, 3}));
  EXPECT_EQ(shape_of(state, "layer3.0.conv2.weight"), (Shape{64, 64, 3, 3}));
  EXPECT_EQ(shape_of(state, "bn1.num_batches_tracked"), (Shape{}));
  EXPECT_EQ(shape_of(state, "linear.weight"), (Shape{10, 64}));
  for (const std::string& name : names) EXPECT_EQ(name.find("shortcut"), std::string::npos) << name;
}

TEST(ResNetCifar, RejectsDepthsNotOfTheForm6nPlus2) {
  EXPECT_THROW(ResNetCifar(21, 3, 10), Error);
  EXPECT_THROW(ResNetCifar(2, 3, 10), Error);
  EXPECT_THROW(ResNetCifar(20, 0, 10), Error);
}

TEST(ResNetCifar, ForwardShapes) {
  ResNetCifar gray(20, 1, 10);
  expect_logits_shape(gray, {2, 1, 28, 28}, 10);
  ResNetCifar color(20, 3, 7);
  expect_logits_shape(color, {2, 3, 32, 32}, 7);
  ResNetCifar deeper(32, 1, 10);
  expect_logits_shape(deeper, {1, 1, 28, 28}, 10);
  ResNetCifar wrong(20, 3, 10);
  ParameterArena arena = ParameterArena::build(wrong, Device::cpu(), 1);
  EXPECT_THROW(wrong.forward(nn::testing::random_input({2, 1, 28, 28}, 1)), Error);
}

TEST(ResNetCifar, BackwardFillsTheGradientArena) {
  ResNetCifar model(20, 1, 10);
  ParameterArena arena = ParameterArena::build(model, Device::cpu(), 3);
  const Tensor x = nn::testing::random_input({4, 1, 28, 28}, 2);
  // L = sum r * logits with fixed random r (the loss function is another unit's op).
  const Tensor logits = model.forward(x);
  revive::testing::project(logits, revive::testing::random_tensor(logits.shape(), 5)).backward();
  const std::vector<float> g = arena.grads().to_vector<float>();
  for (const ArenaEntry& e : arena.entries()) {
    int64_t n_nonzero = 0;
    for (int64_t i = e.offset; i < e.offset + e.numel; ++i) {
      ASSERT_TRUE(std::isfinite(g[i])) << e.name << " element " << i - e.offset;
      n_nonzero += g[i] != 0.0f;
    }
    EXPECT_GT(n_nonzero, 0) << e.name << " received no gradient";
  }
  // Every BN saw one batch in training mode.
  for (const auto& [name, t] : model.named_buffers()) {
    if (name.find("num_batches_tracked") != std::string::npos) {
      EXPECT_EQ(t.to_vector<int64_t>()[0], 1) << name;
    }
  }
}

}  // namespace
}  // namespace revive::nn::models
