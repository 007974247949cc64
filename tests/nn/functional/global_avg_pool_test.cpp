#include <gtest/gtest.h>

#include "kernels/global_avg_pool.h"
#include "nn/functional.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

TEST(GlobalAvgPoolAutograd, GradientInTheInputsLayout) {
  for (Layout layout : {Layout::kPlain, Layout::kBlocked8}) {
    Tensor x = testing::random_tensor({2, 12, 3, 3}, 1, -1.0, 1.0, layout);
    Tensor r = testing::random_tensor({2, 12}, 2);
    x.set_requires_grad(true);
    Tensor y = F::global_avg_pool(x);
    EXPECT_TRUE(y.is_plain());
    testing::project(y, r).backward();
    ASSERT_EQ(x.grad().layout(), layout);
    EXPECT_ALLCLOSE(kernels::global_avg_pool_backward(r, x.shape(), layout), x.grad(), 0, 0);
  }
}

}  // namespace
}  // namespace revive
