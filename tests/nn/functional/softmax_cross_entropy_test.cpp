#include <gtest/gtest.h>

#include "kernels/softmax_cross_entropy.h"
#include "nn/functional.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

TEST(SoftmaxCrossEntropyAutograd, GradientMatchesTheKernel) {
  Tensor logits = testing::random_tensor({6, 10}, 1, -3.0, 3.0);
  Tensor labels = Tensor::from_vector<int64_t>({1, 0, 9, 4, 4, 7}, {6});
  logits.set_requires_grad(true);
  Tensor loss = F::softmax_cross_entropy(logits, labels);
  ASSERT_TRUE(loss.requires_grad());
  loss.backward();
  kernels::SoftmaxCrossEntropy f = kernels::softmax_cross_entropy_forward(logits.detach(), labels);
  EXPECT_EQ(loss.item(), f.loss.item());
  EXPECT_ALLCLOSE(kernels::softmax_cross_entropy_backward(f.probs, labels, Tensor::full({}, 1.0f)), logits.grad(), 0, 0);
  EXPECT_FALSE(labels.requires_grad());
}

}  // namespace
}  // namespace revive
