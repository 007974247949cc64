#include "nn/models/small_cnn.h"

#include <gtest/gtest.h>

#include "model_checks.h"

namespace revive::nn::models {
namespace {

using namespace nn::testing;  // model_checks.h

// conv1 c*32*9 + bn1 64 + conv2 32*64*9 + bn2 128 + conv3 64*128*9 + bn3 256 + linear 128*k + k:
// 1 channel, 10 classes: 288 + 64 + 18,432 + 128 + 73,728 + 256 + 1,290 = 94,186.
TEST(SmallCnn, ParameterCounts) {
  EXPECT_EQ(SmallCnn(1, 10).n_parameters(), 94186);
  EXPECT_EQ(SmallCnn(3, 10).n_parameters(), 94186 + 2 * 32 * 9);
}

TEST(SmallCnn, StateDictNames) {
  SmallCnn model(1, 10);
  const std::vector<std::string> names = names_of(state_dict_shapes(model));
  EXPECT_EQ(names, (std::vector<std::string>{
                       "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                       "bn1.num_batches_tracked", "conv2.weight", "bn2.weight", "bn2.bias", "bn2.running_mean",
                       "bn2.running_var", "bn2.num_batches_tracked", "conv3.weight", "bn3.weight", "bn3.bias",
                       "bn3.running_mean", "bn3.running_var", "bn3.num_batches_tracked", "linear.weight",
                       "linear.bias"}));
}

TEST(SmallCnn, ForwardShapes) {
  expect_gray_and_color_logits([](int64_t c, int64_t k) { return std::make_unique<SmallCnn>(c, k); });
}

}  // namespace
}  // namespace revive::nn::models
