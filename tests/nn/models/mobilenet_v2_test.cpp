#include "nn/models/mobilenet_v2.h"

#include <gtest/gtest.h>

#include "model_checks.h"

namespace revive::nn::models {
namespace {

using namespace nn::testing;  // model_checks.h

// kuangliu's MobileNetV2 (no biases, BN = 2 per channel). Block(i -> o, expansion e, p = e*i):
// 1x1 i*p + bn 2p + dw 9p + bn 2p + 1x1 p*o + bn 2o, plus 1x1 i*o + bn 2o when stride 1 and i != o.
//   conv1 c*32*9 + bn1 64                                            = 864 + 64 (c = 3)
//   (1,16,1,1):  32->16 1,984 + 544 shortcut
//   (6,24,2,1):  16->24 5,136 + 432 shortcut, 24->24 8,832
//   (6,32,3,2):  24->32 10,000, 2 x 32->32 14,848
//   (6,64,4,2):  32->64 21,056, 3 x 64->64 54,272
//   (6,96,3,1):  64->96 66,624 + 6,336 shortcut, 2 x 96->96 118,272
//   (6,160,3,2): 96->160 155,264, 2 x 160->160 320,000
//   (6,320,1,1): 160->320 473,920 + 51,840 shortcut
//   conv2 320*1280 + bn2 2,560 = 412,160; linear 1280*k + k
// 3 channels, 10 classes: 2,296,922 (kuangliu's model summary).
TEST(MobileNetV2, ParameterCountsMatchThePyTorchDefinition) {
  expect_parameter_counts([](int64_t c, int64_t k) { return std::make_unique<MobileNetV2>(c, k); }, 2296922, 32 * 9,
                          1280);
  MobileNetV2::Options relu6;
  relu6.relu6 = true;
  EXPECT_EQ(MobileNetV2(3, 10, relu6).n_parameters(), 2296922);
}

TEST(MobileNetV2, WidthMultiplierRoundsChannelsToMultiplesOf8) {
  EXPECT_EQ(round_channels(32 * 0.5), 16);
  EXPECT_EQ(round_channels(24 * 0.5), 16);  // 12 rounds half up to 16
  EXPECT_EQ(round_channels(16 * 0.5), 8);
  EXPECT_EQ(round_channels(160 * 0.5), 80);
  EXPECT_EQ(round_channels(4), 8);    // never below 8
  EXPECT_EQ(round_channels(100), 104);
  MobileNetV2::Options half;
  half.width = 0.5f;
  MobileNetV2 model(3, 10, half);
  const auto state = state_dict_shapes(model);
  EXPECT_EQ(shape_of(state, "conv1.weight"), (Shape{16, 3, 3, 3}));
  EXPECT_EQ(shape_of(state, "layers.0.conv3.weight"), (Shape{8, 16, 1, 1}));
  EXPECT_EQ(shape_of(state, "layers.1.conv3.weight"), (Shape{16, 48, 1, 1}));
  EXPECT_EQ(shape_of(state, "layers.16.conv3.weight"), (Shape{160, 480, 1, 1}));
  EXPECT_EQ(shape_of(state, "conv2.weight"), (Shape{1280, 160, 1, 1}));  // kept at 1280 below width 1
  EXPECT_LT(model.n_parameters(), 2296922 / 2);
  MobileNetV2::Options bad;
  bad.width = 0.0f;
  EXPECT_THROW(MobileNetV2(3, 10, bad), Error);
}

TEST(MobileNetV2, StateDictNamesAreKuangliusWithShapes) {
  MobileNetV2 model(3, 10);
  const auto state = state_dict_shapes(model);
  const std::vector<std::string> names = names_of(state);
  EXPECT_EQ(names[6], "layers.0.conv1.weight");
  EXPECT_EQ(shape_of(state, "layers.0.conv1.weight"), (Shape{32, 32, 1, 1}));
  EXPECT_EQ(shape_of(state, "layers.0.conv2.weight"), (Shape{32, 1, 3, 3}));
  EXPECT_EQ(shape_of(state, "layers.0.conv3.weight"), (Shape{16, 32, 1, 1}));
  EXPECT_EQ(shape_of(state, "layers.0.shortcut.0.weight"), (Shape{16, 32, 1, 1}));
  EXPECT_EQ(shape_of(state, "layers.0.shortcut.1.running_mean"), (Shape{16}));
  EXPECT_EQ(shape_of(state, "layers.1.conv1.weight"), (Shape{96, 16, 1, 1}));
  EXPECT_EQ(shape_of(state, "layers.16.conv3.weight"), (Shape{320, 960, 1, 1}));
  EXPECT_EQ(shape_of(state, "layers.16.shortcut.0.weight"), (Shape{320, 160, 1, 1}));
  EXPECT_EQ(shape_of(state, "conv2.weight"), (Shape{1280, 320, 1, 1}));
  EXPECT_EQ(shape_of(state, "bn2.weight"), (Shape{1280}));
  EXPECT_EQ(shape_of(state, "linear.weight"), (Shape{10, 1280}));
  // Identity shortcuts (stride 1, same channels) and stride-2 blocks have no shortcut parameters.
  int n_shortcut_convs = 0;
  for (const std::string& name : names) {
    EXPECT_NE(name.rfind("layers.2.shortcut", 0), 0u) << name;   // 24 -> 24
    EXPECT_NE(name.rfind("layers.3.shortcut", 0), 0u) << name;   // stride 2
    n_shortcut_convs += name.find("shortcut.0.weight") != std::string::npos;
  }
  EXPECT_EQ(n_shortcut_convs, 4);  // blocks 0, 1, 10, 16
  EXPECT_EQ(names.back(), "linear.bias");
}

TEST(MobileNetV2, ForwardShapes) {
  MobileNetV2 gray(1, 10);
  expect_logits_shape(gray, {2, 1, 28, 28}, 10);
  MobileNetV2::Options options;
  options.width = 0.5f;
  options.relu6 = true;
  MobileNetV2 color(3, 10, options);
  expect_logits_shape(color, {2, 3, 32, 32}, 10);
}

}  // namespace
}  // namespace revive::nn::models
