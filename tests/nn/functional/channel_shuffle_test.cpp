#include <gtest/gtest.h>

#include "kernels/channel_shuffle.h"
#include "nn/functional.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

TEST(ChannelShuffleAutograd, GradientIsTheInverseShuffleInTheInputsLayout) {
  for (Layout layout : {Layout::kPlain, Layout::kBlocked8}) {
    Tensor x = testing::random_tensor({2, 12, 2, 2}, 1, -1.0, 1.0, layout);
    x.set_requires_grad(true);
    Tensor y = F::channel_shuffle(x, 3);
    EXPECT_TRUE(y.is_plain());
    Tensor r = testing::random_tensor(y.shape(), 2);
    testing::project(y, r).backward();
    ASSERT_EQ(x.grad().layout(), layout);
    EXPECT_ALLCLOSE(kernels::channel_shuffle_backward(r, 3, Layout::kPlain), x.grad(), 0, 0);
  }
}

}  // namespace
}  // namespace revive
