#include <gtest/gtest.h>

#include "nn/functional.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

TEST(FlattenAutograd, BlockedInputFlattensLogicalOrder) {
  Tensor x = testing::random_tensor({2, 12, 2, 3}, 1);
  Tensor xb = kernels::to_layout(x, Layout::kBlocked8);
  xb.set_requires_grad(true);
  Tensor y = F::flatten(xb);
  EXPECT_EQ(y.shape(), (Shape{2, 72}));
  EXPECT_EQ(y.to_vector<float>(), x.to_vector<float>());
  Tensor r = testing::random_tensor({2, 72}, 2);
  testing::project(y, r).backward();
  EXPECT_EQ(xb.grad().layout(), Layout::kBlocked8);
  EXPECT_TRUE(testing::padding_is_zero(xb.grad()));
  EXPECT_ALLCLOSE(r.reshape(x.shape()), xb.grad(), 0, 0);
}

TEST(FlattenAutograd, PlainAndLowRankInputs) {
  Tensor x = testing::random_tensor({3, 4, 5}, 3);
  x.set_requires_grad(true);
  Tensor y = F::flatten(x);
  EXPECT_EQ(y.shape(), (Shape{3, 20}));
  testing::project(y, Tensor::full({3, 20}, 2.0f)).backward();
  EXPECT_EQ(x.grad().shape(), x.shape());
  EXPECT_ALLCLOSE(Tensor::full({3, 4, 5}, 2.0f), x.grad(), 0, 0);
  EXPECT_EQ(F::flatten(Tensor::zeros({0, 3, 2, 2})).shape(), (Shape{0, 12}));
}

}  // namespace
}  // namespace revive
