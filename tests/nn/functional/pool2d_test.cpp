#include <gtest/gtest.h>

#include "kernels/pool2d.h"
#include "nn/functional.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

TEST(PoolAutograd, GradientsMatchTheKernelsInEveryLayout) {
  const kernels::Pool2dParams p{3, 2, 1};
  for (Layout layout : {Layout::kPlain, Layout::kBlocked8}) {
    Tensor x = testing::random_tensor({2, 12, 5, 5}, 1, -1.0, 1.0, layout);
    Tensor r = testing::random_tensor({2, 12, 3, 3}, 2, -1.0, 1.0, layout);
    Tensor xm = x.detach().set_requires_grad(true), xa = x.detach().set_requires_grad(true);
    Tensor ym = F::max_pool2d(xm, p), ya = F::avg_pool2d(xa, p);
    EXPECT_EQ(ym.layout(), layout);
    EXPECT_EQ(ya.layout(), layout);
    testing::project(ym, r).backward();
    testing::project(ya, r).backward();
    ASSERT_EQ(xm.grad().layout(), layout);
    ASSERT_EQ(xa.grad().layout(), layout);
    EXPECT_ALLCLOSE(kernels::max_pool2d_backward(r, x, p), xm.grad(), 0, 0);
    EXPECT_ALLCLOSE(kernels::avg_pool2d_backward(r, x.shape(), layout, p), xa.grad(), 0, 0);
  }
}

}  // namespace
}  // namespace revive
