#include <gtest/gtest.h>

#include "kernels/subsample_pad_channels.h"
#include "nn/functional.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

TEST(SubsamplePadChannelsAutograd, GradientMatchesTheKernelInTheInputsLayout) {
  for (Layout layout : {Layout::kPlain, Layout::kBlocked8}) {
    Tensor x = testing::random_tensor({2, 12, 5, 5}, 1, -1.0, 1.0, layout);
    x.set_requires_grad(true);
    Tensor y = F::subsample_pad_channels(x, 2, 6, 6);
    EXPECT_EQ(y.shape(), (Shape{2, 24, 3, 3}));
    Tensor r = testing::random_tensor(y.shape(), 2);
    testing::project(y, r).backward();
    ASSERT_EQ(x.grad().layout(), layout);
    EXPECT_ALLCLOSE(kernels::subsample_pad_channels_backward(r, x.shape(), Layout::kPlain, {2, 6, 6}), x.grad(), 0, 0);
  }
}

}  // namespace
}  // namespace revive
