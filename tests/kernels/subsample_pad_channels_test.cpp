#include "kernels/subsample_pad_channels.h"

#include <gtest/gtest.h>

#include <tuple>

#include "kernels/layout.h"
#include "support/allclose.h"
#include "support/gradcheck.h"
#include "support/tensor_utils.h"

namespace revive::kernels {
namespace {

using testing::Vec;

TEST(SubsamplePadChannels, HandComputedValues) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  const SubsamplePad p{2, 1, 2};
  Tensor y = subsample_pad_channels_forward(x, p);
  EXPECT_EQ(y.shape(), (Shape{1, 4, 2, 2}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 0, 0, 0, 1, 3, 7, 9, 0, 0, 0, 0, 0, 0, 0, 0}));
  Tensor dx = subsample_pad_channels_backward(Tensor::full({1, 4, 2, 2}, 1.0f), x.shape(), Layout::kPlain, p);
  EXPECT_EQ(dx.to_vector<float>(), (std::vector<float>{1, 0, 1, 0, 0, 0, 1, 0, 1}));
}

TEST(SubsamplePadChannels, Gradients) {
  const int64_t N = 2, C = 3, H = 5, W = 4;
  const SubsamplePad p{2, 2, 1};
  const int64_t n_out = N * (C + 3) * 3 * 2;
  auto fwd = [&](const std::vector<Vec>& in) {
    Vec y(n_out);
    subsample_pad_channels_forward_cpu(y.data(), in[0].data(), N, C, H, W, p);
    return y;
  };
  auto bwd = [&](const std::vector<Vec>&, const Vec& dy) {
    Vec dx(N * C * H * W);
    subsample_pad_channels_backward_cpu(dx.data(), dy.data(), N, C, H, W, p);
    return std::vector<Vec>{dx};
  };
  EXPECT_TRUE(testing::check_gradients(fwd, bwd, {testing::random_vec(N * C * H * W, 1)}, {"x"}));
}

// Blocked tensors stay blocked both ways and equal the plain result, with paddings that do and do
// not align with the blocks, and an odd extent (ceil).
TEST(SubsamplePadChannels, BlockedTensorsStayBlockedAndEqualPlain) {
  for (Layout layout : {Layout::kBlocked8, Layout::kBlocked16}) {
    for (const auto& [C, H, p] : {std::tuple<int64_t, int64_t, SubsamplePad>{12, 4, {2, 6, 6}},
                                  std::tuple<int64_t, int64_t, SubsamplePad>{16, 5, {2, 8, 8}},
                                  std::tuple<int64_t, int64_t, SubsamplePad>{5, 3, {1, 3, 0}}}) {
      Tensor x = testing::random_tensor({2, C, H, H}, 2);
      Tensor y = subsample_pad_channels_forward(x, p);
      Tensor yb = subsample_pad_channels_forward(to_layout(x, layout), p);
      EXPECT_EQ(yb.layout(), layout);
      EXPECT_EQ(yb.shape(), y.shape());
      EXPECT_TRUE(testing::padding_is_zero(yb));
      EXPECT_ALLCLOSE(y, yb, 0, 0);
      Tensor dy = testing::random_tensor(y.shape(), 3);
      Tensor dx = subsample_pad_channels_backward(dy, x.shape(), Layout::kPlain, p);
      Tensor dxb = subsample_pad_channels_backward(to_layout(dy, layout), x.shape(), layout, p);
      Tensor dx_mixed = subsample_pad_channels_backward(dy, x.shape(), layout, p);
      EXPECT_EQ(dxb.layout(), layout);
      EXPECT_TRUE(testing::padding_is_zero(dxb));
      EXPECT_ALLCLOSE(dx, dxb, 0, 0);
      EXPECT_ALLCLOSE(dx, dx_mixed, 0, 0);
    }
  }
}

TEST(SubsamplePadChannels, RejectsBadArguments) {
  Tensor x = Tensor::zeros({1, 2, 4, 4});
  EXPECT_THROW(subsample_pad_channels_forward(x, {0, 1, 1}), Error);
  EXPECT_THROW(subsample_pad_channels_forward(x, {2, -1, 1}), Error);
  EXPECT_THROW(subsample_pad_channels_forward(Tensor::zeros({2, 4}), {2, 1, 1}), Error);
  EXPECT_THROW(subsample_pad_channels_backward(Tensor::zeros({1, 4, 4, 4}), x.shape(), Layout::kPlain, {2, 1, 1}),
               Error);
}

}  // namespace
}  // namespace revive::kernels
