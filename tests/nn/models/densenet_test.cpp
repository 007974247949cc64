#include "nn/models/densenet.h"

#include <gtest/gtest.h>

#include "model_checks.h"

namespace revive::nn::models {
namespace {

using namespace nn::testing;  // model_checks.h

// andreasveit's DenseNet3(40, k, growth 12, reduction 1.0, bottleneck False); no biases, BN = 2 per
// channel. A dense layer with i inputs has bn 2i + conv 3x3 i*12*9 = 110 i parameters; block b's
// layers see i = i0 + 12 j, j = 0..11, so sum i = 12 i0 + 792.
//   conv1 c*24*9
//   block1 (i0 24):  110 * 1,080 = 118,800; trans1 2*168 + 168*168 = 28,560
//   block2 (i0 168): 110 * 2,808 = 308,880; trans2 2*312 + 312*312 = 97,968
//   block3 (i0 312): 110 * 4,536 = 498,960; bn1 2*456 = 912; fc 456*k + k
// 3 channels, 10 classes: 648 + 118,800 + 28,560 + 308,880 + 97,968 + 498,960 + 912 + 4,570 = 1,059,298.
TEST(DenseNet, ParameterCountsMatchThePyTorchDefinition) {
  expect_parameter_counts([](int64_t c, int64_t k) { return std::make_unique<DenseNet>(40, 12, c, k); }, 1059298,
                          24 * 9, 456);
  EXPECT_THROW(DenseNet(41, 12, 3, 10), Error);
}

TEST(DenseNet, StateDictNamesAreAndreasveitsWithShapes) {
  DenseNet model(40, 12, 3, 10);
  const auto state = state_dict_shapes(model);
  // conv1 + 36 dense layers x (bn x5, conv) + 2 transitions x (bn x5, conv) + bn1 x5 + fc.
  ASSERT_EQ(state.size(), 1u + 36 * 6 + 2 * 6 + 5 + 2);
  const std::vector<std::string> names = names_of(state);
  EXPECT_EQ(names[0], "conv1.weight");
  EXPECT_EQ(names[1], "block1.layer.0.bn1.weight");
  EXPECT_EQ(names[6], "block1.layer.0.conv1.weight");
  EXPECT_EQ(shape_of(state, "conv1.weight"), (Shape{24, 3, 3, 3}));
  EXPECT_EQ(shape_of(state, "block1.layer.0.conv1.weight"), (Shape{12, 24, 3, 3}));
  EXPECT_EQ(shape_of(state, "block1.layer.11.conv1.weight"), (Shape{12, 156, 3, 3}));
  EXPECT_EQ(shape_of(state, "trans1.bn1.running_mean"), (Shape{168}));
  EXPECT_EQ(shape_of(state, "trans1.conv1.weight"), (Shape{168, 168, 1, 1}));
  EXPECT_EQ(shape_of(state, "block2.layer.0.bn1.weight"), (Shape{168}));
  EXPECT_EQ(shape_of(state, "trans2.conv1.weight"), (Shape{312, 312, 1, 1}));
  EXPECT_EQ(shape_of(state, "block3.layer.11.conv1.weight"), (Shape{12, 444, 3, 3}));
  EXPECT_EQ(shape_of(state, "bn1.weight"), (Shape{456}));
  EXPECT_EQ(shape_of(state, "fc.weight"), (Shape{10, 456}));
  // The final BN comes after block3, as registered in DenseNet3.__init__.
  const std::vector<std::string> tail(names.end() - 7, names.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                                            "bn1.num_batches_tracked", "fc.weight", "fc.bias"}));
}

TEST(DenseNet, ForwardShapes) {
  expect_gray_and_color_logits([](int64_t c, int64_t k) { return std::make_unique<DenseNet>(40, 12, c, k); });
}

}  // namespace
}  // namespace revive::nn::models
