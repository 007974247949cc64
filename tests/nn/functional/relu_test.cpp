#include <gtest/gtest.h>

#include "kernels/relu.h"
#include "nn/functional.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

TEST(ReluAutograd, GradientsMatchTheKernelInEveryLayout) {
  for (Layout layout : {Layout::kPlain, Layout::kBlocked8}) {
    Tensor x = testing::random_tensor({2, 12, 2, 3}, 1, -3.0, 9.0, layout);
    Tensor r = testing::random_tensor({2, 12, 2, 3}, 2, -1.0, 1.0, layout);
    x.set_requires_grad(true);
    testing::project(F::relu(x), r).backward();
    ASSERT_EQ(x.grad().layout(), layout);
    EXPECT_ALLCLOSE(kernels::relu_backward(r, kernels::relu_forward(x)), x.grad(), 0, 0);

    Tensor x6 = x.detach().set_requires_grad(true);
    Tensor y6 = F::relu6(x6);
    EXPECT_EQ(y6.layout(), layout);
    testing::project(y6, r).backward();
    EXPECT_ALLCLOSE(kernels::relu6_backward(r, kernels::relu6_forward(x)), x6.grad(), 0, 0);
  }
}

TEST(ReluAutograd, NoGraphWithoutGrad) {
  Tensor x = testing::random_tensor({4}, 3);
  Tensor y = F::relu(x);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
}

}  // namespace
}  // namespace revive
