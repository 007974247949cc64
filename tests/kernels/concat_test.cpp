#include "kernels/concat.h"

#include <gtest/gtest.h>

#include "kernels/layout.h"
#include "support/allclose.h"
#include "support/gradcheck.h"
#include "support/tensor_utils.h"

namespace revive::kernels {
namespace {

using testing::Vec;

TEST(Concat, Gradients) {
  const int64_t N = 2, inner = 4;
  const std::vector<int64_t> channels{2, 3, 1};
  const int64_t C_y = 6;
  auto fwd = [&](const std::vector<Vec>& in) {
    Vec y(N * C_y * inner);
    int64_t c = 0;
    for (size_t i = 0; i < in.size(); ++i) {
      concat_forward_cpu(y.data(), in[i].data(), N, C_y, c, channels[i], inner);
      c += channels[i];
    }
    return y;
  };
  auto bwd = [&](const std::vector<Vec>& in, const Vec& dy) {
    std::vector<Vec> dxs;
    int64_t c = 0;
    for (size_t i = 0; i < in.size(); ++i) {
      dxs.emplace_back(in[i].size());
      concat_backward_cpu(dxs.back().data(), dy.data(), N, C_y, c, channels[i], inner);
      c += channels[i];
    }
    return dxs;
  };
  std::vector<Vec> inputs;
  for (size_t i = 0; i < channels.size(); ++i) inputs.push_back(testing::random_vec(N * channels[i] * inner, 1 + i));
  EXPECT_TRUE(testing::check_gradients(fwd, bwd, inputs, {"x0", "x1", "x2"}));
}

TEST(Concat, HandComputedValues) {
  Tensor a = Tensor::from_vector<float>({1, 2, 3, 4}, {2, 1, 2});
  Tensor b = Tensor::from_vector<float>({5, 6, 7, 8, 9, 10, 11, 12}, {2, 2, 2});
  Tensor y = concat_forward({a, b});
  EXPECT_EQ(y.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12}));
  EXPECT_EQ(concat_backward(y, 1, b.shape(), Layout::kPlain).to_vector<float>(), b.to_vector<float>());
}

TEST(Concat, BlockedInputsGivePlainOutputAndBlockedGradients) {
  Tensor a = testing::random_tensor({2, 12, 3, 3}, 1), b = testing::random_tensor({2, 5, 3, 3}, 2);
  Tensor y = concat_forward({a, b});
  Tensor yb = concat_forward({to_layout(a, Layout::kBlocked8), b});
  EXPECT_TRUE(yb.is_plain());
  EXPECT_ALLCLOSE(y, yb, 0, 0);
  Tensor da = concat_backward(y, 0, a.shape(), Layout::kBlocked8);
  EXPECT_EQ(da.layout(), Layout::kBlocked8);
  EXPECT_TRUE(testing::padding_is_zero(da));
  EXPECT_ALLCLOSE(a, da, 0, 0);
  EXPECT_ALLCLOSE(b, concat_backward(y, 12, b.shape(), Layout::kPlain), 0, 0);
}

TEST(Concat, RejectsMismatchedInputs) {
  EXPECT_THROW(concat_forward({}), Error);
  EXPECT_THROW(concat_forward({Tensor::zeros({2, 3, 4, 4}), Tensor::zeros({2, 3, 4, 5})}), Error);
  EXPECT_THROW(concat_forward({Tensor::zeros({2, 3, 4, 4}), Tensor::zeros({1, 3, 4, 4})}), Error);
  EXPECT_THROW(concat_forward({Tensor::zeros({2, 3, 4, 4}), Tensor::zeros({2, 3, 16})}), Error);
  EXPECT_THROW(concat_backward(Tensor::zeros({2, 4, 2}), 2, {2, 3, 2}, Layout::kPlain), Error);
}

}  // namespace
}  // namespace revive::kernels
