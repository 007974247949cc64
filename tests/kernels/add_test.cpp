#include "kernels/add.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "kernels/layout.h"
#include "kernels/relu.h"
#include "support/allclose.h"
#include "support/gradcheck.h"
#include "support/tensor_utils.h"

namespace revive::kernels {
namespace {

using testing::Vec;

TEST(Add, Gradients) {
  auto fwd = [](const std::vector<Vec>& in) {
    Vec y(in[0].size());
    add_forward_cpu(y.data(), in[0].data(), in[1].data(), static_cast<int64_t>(y.size()));
    return y;
  };
  auto bwd = [](const std::vector<Vec>&, const Vec& dy) { return std::vector<Vec>{dy, dy}; };
  EXPECT_TRUE(testing::check_gradients(fwd, bwd, {testing::random_vec(30, 1), testing::random_vec(30, 2)}, {"a", "b"}));
}

TEST(Add, BlockedEqualsPlainAndLayoutsUnifyToA) {
  const Shape s{2, 12, 3, 3};
  Tensor a = testing::random_tensor(s, 3), b = testing::random_tensor(s, 4);
  Tensor y = add_forward(a, b);
  const Vec av = testing::to_vec(a), bv = testing::to_vec(b), yv = testing::to_vec(y);
  for (size_t i = 0; i < yv.size(); ++i) ASSERT_EQ(static_cast<float>(av[i] + bv[i]), yv[i]) << i;
  Tensor yb = add_forward(to_layout(a, Layout::kBlocked8), to_layout(b, Layout::kBlocked8));
  EXPECT_EQ(yb.layout(), Layout::kBlocked8);
  EXPECT_TRUE(testing::padding_is_zero(yb));
  EXPECT_ALLCLOSE(y, yb, 0, 0);
  Tensor mixed = add_forward(to_layout(a, Layout::kBlocked8), b);
  EXPECT_EQ(mixed.layout(), Layout::kBlocked8);
  EXPECT_ALLCLOSE(y, mixed, 0, 0);
  EXPECT_EQ(add_forward(a, to_layout(b, Layout::kBlocked8)).layout(), Layout::kPlain);
}

// The fused rectifier: relu(add) bit for bit, in both layouts, with about half the sums negative.
TEST(Add, FusedReluEqualsAddThenRelu) {
  const Shape s{2, 12, 3, 3};
  for (Layout layout : {Layout::kPlain, Layout::kBlocked8}) {
    Tensor a = testing::random_tensor(s, 8, -1.0, 1.0, layout), b = testing::random_tensor(s, 9, -1.0, 1.0, layout);
    const Tensor fused = add_forward(a, b, true);
    EXPECT_EQ(fused.layout(), layout);
    EXPECT_TRUE(testing::padding_is_zero(fused));
    const Vec y = testing::to_vec(fused);
    EXPECT_EQ(testing::to_vec(relu_forward(add_forward(a, b))), y);
    EXPECT_GT(std::count(y.begin(), y.end(), 0.0), 40);
    EXPECT_LT(std::count(y.begin(), y.end(), 0.0), 176);
  }
}

TEST(Add, RejectsShapeMismatch) {
  EXPECT_THROW(add_forward(Tensor::zeros({2, 3}), Tensor::zeros({3, 2})), Error);
  EXPECT_THROW(add_forward(Tensor::zeros({2, 3}), Tensor()), Error);
}

}  // namespace
}  // namespace revive::kernels
