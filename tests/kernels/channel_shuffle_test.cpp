#include "kernels/channel_shuffle.h"

#include <gtest/gtest.h>

#include "kernels/layout.h"
#include "support/allclose.h"
#include "support/gradcheck.h"
#include "support/tensor_utils.h"

namespace revive::kernels {
namespace {

using testing::Vec;

TEST(ChannelShuffle, PermutationOfTwoGroupsOfThree) {
  // Channels 0..5 in groups {0, 1, 2} and {3, 4, 5} interleave.
  Tensor x = Tensor::from_vector<float>({0, 1, 2, 3, 4, 5}, {1, 6, 1, 1});
  Tensor y = channel_shuffle_forward(x, 2);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(channel_shuffle_backward(y, 2, Layout::kPlain).to_vector<float>(), x.to_vector<float>());
}

TEST(ChannelShuffle, Gradients) {
  const int64_t N = 2, C = 6, inner = 3, groups = 3;
  auto fwd = [&](const std::vector<Vec>& in) {
    Vec y(in[0].size());
    channel_shuffle_cpu(y.data(), in[0].data(), N, C, inner, groups);
    return y;
  };
  auto bwd = [&](const std::vector<Vec>&, const Vec& dy) {
    Vec dx(dy.size());
    channel_shuffle_cpu(dx.data(), dy.data(), N, C, inner, C / groups);
    return std::vector<Vec>{dx};
  };
  EXPECT_TRUE(testing::check_gradients(fwd, bwd, {testing::random_vec(N * C * inner, 1)}, {"x"}));
}

TEST(ChannelShuffle, BlockedInputGivesPlainOutputAndBlockedGradient) {
  Tensor x = testing::random_tensor({2, 12, 2, 3}, 2);
  Tensor y = channel_shuffle_forward(x, 4);
  Tensor yb = channel_shuffle_forward(to_layout(x, Layout::kBlocked8), 4);
  EXPECT_TRUE(yb.is_plain());
  EXPECT_ALLCLOSE(y, yb, 0, 0);
  Tensor dx = channel_shuffle_backward(y, 4, Layout::kBlocked8);
  EXPECT_EQ(dx.layout(), Layout::kBlocked8);
  EXPECT_TRUE(testing::padding_is_zero(dx));
  EXPECT_ALLCLOSE(x, dx, 0, 0);
}

TEST(ChannelShuffle, RejectsIndivisibleChannels) {
  EXPECT_THROW(channel_shuffle_forward(Tensor::zeros({1, 6, 2, 2}), 4), Error);
  EXPECT_THROW(channel_shuffle_forward(Tensor::zeros({1, 6, 2, 2}), 0), Error);
  EXPECT_THROW(channel_shuffle_backward(Tensor::zeros({1, 6, 2, 2}), 4, Layout::kPlain), Error);
}

}  // namespace
}  // namespace revive::kernels
