#include "kernels/global_avg_pool.h"

#include <gtest/gtest.h>

#include "kernels/layout.h"
#include "support/allclose.h"
#include "support/gradcheck.h"
#include "support/tensor_utils.h"

namespace revive::kernels {
namespace {

using testing::Vec;

TEST(GlobalAvgPool, Gradients) {
  const int64_t N = 2, C = 3, HW = 5;
  auto fwd = [&](const std::vector<Vec>& in) {
    Vec y(N * C);
    global_avg_pool_forward_cpu(y.data(), in[0].data(), N, C, HW);
    return y;
  };
  auto bwd = [&](const std::vector<Vec>&, const Vec& dy) {
    Vec dx(N * C * HW);
    global_avg_pool_backward_cpu(dx.data(), dy.data(), N, C, HW);
    return std::vector<Vec>{dx};
  };
  EXPECT_TRUE(testing::check_gradients(fwd, bwd, {testing::random_vec(N * C * HW, 1)}, {"x"}));
}

TEST(GlobalAvgPool, HandComputedValues) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, -1, -1, 5, 5}, {1, 2, 2, 2});
  EXPECT_EQ(global_avg_pool_forward(x).to_vector<float>(), (std::vector<float>{2.5f, 2.0f}));
  Tensor dx = global_avg_pool_backward(Tensor::from_vector<float>({4, 8}, {1, 2}), x.shape(), Layout::kPlain);
  EXPECT_EQ(dx.to_vector<float>(), (std::vector<float>{1, 1, 1, 1, 2, 2, 2, 2}));
}

TEST(GlobalAvgPool, BlockedEqualsPlain) {
  const Shape s{3, 12, 4, 3};
  Tensor x = testing::random_tensor(s, 2), dy = testing::random_tensor({3, 12}, 3);
  Tensor y = global_avg_pool_forward(x), dx = global_avg_pool_backward(dy, s, Layout::kPlain);
  for (Layout layout : {Layout::kBlocked8, Layout::kBlocked16}) {
    Tensor yb = global_avg_pool_forward(to_layout(x, layout));
    Tensor dxb = global_avg_pool_backward(dy, s, layout);
    EXPECT_TRUE(yb.is_plain());
    EXPECT_EQ(yb.shape(), (Shape{3, 12}));
    EXPECT_EQ(dxb.layout(), layout);
    EXPECT_TRUE(testing::padding_is_zero(dxb));
    EXPECT_ALLCLOSE(y, yb, 1e-6, 1e-6);
    EXPECT_ALLCLOSE(dx, dxb, 0, 0);
  }
  EXPECT_THROW(global_avg_pool_backward(Tensor::zeros({3, 11}), s, Layout::kPlain), Error);
}

}  // namespace
}  // namespace revive::kernels
