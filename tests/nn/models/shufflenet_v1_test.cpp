#include "nn/models/shufflenet_v1.h"

#include <gtest/gtest.h>

#include "model_checks.h"

namespace revive::nn::models {
namespace {

using namespace nn::testing;  // model_checks.h

// kuangliu's ShuffleNetG3 (no biases, BN = 2 per channel). Bottleneck(i -> o computed, mid m = o/4,
// g1 = 1 for the stem input else 3): 1x1 i/g1*m + bn 2m + dw 9m + bn 2m + 1x1 m/3*o + bn 2o.
//   conv1 1x1 c*24 + bn1 48
//   layer1: 24->216 (m 54) 6,318;   3 x 240->240 (m 60) 10,860
//   layer2: 240->240 (m 60) 10,860; 7 x 480->480 (m 120) 40,920
//   layer3: 480->480 (m 120) 40,920; 3 x 960->960 (m 240) 158,640
//   linear 960*k + k
// 3 channels, 10 classes: 72 + 48 + 6,318 + 32,580 + 10,860 + 286,440 + 40,920 + 475,920 + 9,610
// = 862,768.
TEST(ShuffleNetV1, ParameterCountsMatchThePyTorchDefinition) {
  expect_parameter_counts([](int64_t c, int64_t k) { return std::make_unique<ShuffleNetV1>(c, k); }, 862768, 24, 960);
}

TEST(ShuffleNetV1, StateDictNamesAreKuangliusWithShapes) {
  ShuffleNetV1 model(3, 10);
  const auto state = state_dict_shapes(model);
  // conv1 + bn1 + 16 blocks x 3 x (conv, bn x5) + linear.
  ASSERT_EQ(state.size(), 1u + 5 + 16 * 18 + 2);
  EXPECT_EQ(shape_of(state, "conv1.weight"), (Shape{24, 3, 1, 1}));
  EXPECT_EQ(shape_of(state, "layer1.0.conv1.weight"), (Shape{54, 24, 1, 1}));  // not grouped
  EXPECT_EQ(shape_of(state, "layer1.0.conv2.weight"), (Shape{54, 1, 3, 3}));   // depthwise
  EXPECT_EQ(shape_of(state, "layer1.0.conv3.weight"), (Shape{216, 18, 1, 1}));  // groups 3
  EXPECT_EQ(shape_of(state, "layer1.1.conv1.weight"), (Shape{60, 80, 1, 1}));   // groups 3
  EXPECT_EQ(shape_of(state, "layer2.0.conv3.weight"), (Shape{240, 20, 1, 1}));
  EXPECT_EQ(shape_of(state, "layer2.7.bn3.weight"), (Shape{480}));
  EXPECT_EQ(shape_of(state, "layer3.3.conv3.weight"), (Shape{960, 80, 1, 1}));
  EXPECT_EQ(shape_of(state, "linear.weight"), (Shape{10, 960}));
  EXPECT_EQ(names_of(state).back(), "linear.bias");
}

TEST(ShuffleNetV1, ForwardShapes) {
  expect_gray_and_color_logits([](int64_t c, int64_t k) { return std::make_unique<ShuffleNetV1>(c, k); });
}

}  // namespace
}  // namespace revive::nn::models
