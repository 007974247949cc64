#include "nn/models/mobilenet_v1.h"

#include <gtest/gtest.h>

#include "model_checks.h"

namespace revive::nn::models {
namespace {

using namespace nn::testing;  // model_checks.h

// kuangliu's MobileNet, no biases, BN = 2 per channel. Block(i -> o) = dw 9i + bn 2i + pw i*o + bn 2o:
//   conv1 c*32*9, bn1 64
//   32->64 2,528 | 64->128 9,152 | 128->128 18,048 | 128->256 34,688 | 256->256 68,864
//   256->512 134,912 | 5 x 512->512 268,800 | 512->1024 531,968 | 1024->1024 1,061,888
//   linear 1024*k + k
// 3 channels, 10 classes: 864 + 64 + 3,206,048 + 10,250 = 3,217,226.
TEST(MobileNetV1, ParameterCountsMatchThePyTorchDefinition) {
  expect_parameter_counts([](int64_t c, int64_t k) { return std::make_unique<MobileNetV1>(c, k); }, 3217226, 32 * 9,
                          1024);
}

TEST(MobileNetV1, StateDictNamesAreKuangliusWithShapes) {
  MobileNetV1 model(3, 10);
  const auto state = state_dict_shapes(model);
  // conv1 + bn1 + 13 blocks x (conv1, bn1 x5, conv2, bn2 x5) + linear.
  ASSERT_EQ(state.size(), 1u + 5 + 13 * 12 + 2);
  const std::vector<std::string> names = names_of(state);
  EXPECT_EQ(names[6], "layers.0.conv1.weight");
  EXPECT_EQ(names[12], "layers.0.conv2.weight");
  EXPECT_EQ(shape_of(state, "conv1.weight"), (Shape{32, 3, 3, 3}));
  EXPECT_EQ(shape_of(state, "layers.0.conv1.weight"), (Shape{32, 1, 3, 3}));  // depthwise
  EXPECT_EQ(shape_of(state, "layers.0.conv2.weight"), (Shape{64, 32, 1, 1}));  // pointwise
  EXPECT_EQ(shape_of(state, "layers.12.conv1.weight"), (Shape{1024, 1, 3, 3}));
  EXPECT_EQ(shape_of(state, "layers.12.bn2.running_var"), (Shape{1024}));
  EXPECT_EQ(shape_of(state, "linear.weight"), (Shape{10, 1024}));
  EXPECT_EQ(names.back(), "linear.bias");
}

TEST(MobileNetV1, ForwardShapes) {
  expect_gray_and_color_logits([](int64_t c, int64_t k) { return std::make_unique<MobileNetV1>(c, k); });
}

}  // namespace
}  // namespace revive::nn::models
