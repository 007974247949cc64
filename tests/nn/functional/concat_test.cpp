#include <gtest/gtest.h>

#include "kernels/concat.h"
#include "nn/functional.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

TEST(ConcatAutograd, EachInputGetsItsSliceInItsLayout) {
  Tensor a = testing::random_tensor({2, 12, 2, 2}, 1, -1.0, 1.0, Layout::kBlocked8);
  Tensor b = testing::random_tensor({2, 3, 2, 2}, 2), c = testing::random_tensor({2, 5, 2, 2}, 3);
  a.set_requires_grad(true);
  c.set_requires_grad(true);
  Tensor y = F::concat({a, b, c});
  EXPECT_TRUE(y.is_plain());
  Tensor r = testing::random_tensor(y.shape(), 4);
  testing::project(y, r).backward();
  EXPECT_EQ(a.grad().layout(), Layout::kBlocked8);
  EXPECT_ALLCLOSE(kernels::concat_backward(r, 0, a.shape(), Layout::kPlain), a.grad(), 0, 0);
  EXPECT_FALSE(b.grad().defined());
  EXPECT_ALLCLOSE(kernels::concat_backward(r, 15, c.shape(), Layout::kPlain), c.grad(), 0, 0);
}

}  // namespace
}  // namespace revive
