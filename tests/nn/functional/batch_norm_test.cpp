#include <gtest/gtest.h>

#include "core/autograd.h"
#include "kernels/batch_norm.h"
#include "nn/functional.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

struct Params {
  Tensor gamma = testing::random_tensor({12}, 3, 0.5, 1.5);
  Tensor beta = testing::random_tensor({12}, 4);
  Tensor running_mean = Tensor::zeros({12});
  Tensor running_var = Tensor::full({12}, 1.0f);
};

class BatchNormAutograd : public ::testing::TestWithParam<std::tuple<Layout, bool>> {};

TEST_P(BatchNormAutograd, GradientsMatchTheKernel) {
  const auto [layout, training] = GetParam();
  Tensor x = testing::random_tensor({2, 12, 3, 3}, 1, -1.0, 2.0, layout);
  Tensor r = testing::random_tensor({2, 12, 3, 3}, 2, -1.0, 1.0, layout);
  Params p;
  x.set_requires_grad(true);
  p.gamma.set_requires_grad(true);
  p.beta.set_requires_grad(true);
  Tensor y = F::batch_norm(x, p.gamma, p.beta, p.running_mean, p.running_var, training);
  EXPECT_EQ(y.layout(), layout);
  testing::project(y, r).backward();

  Params q;
  kernels::BatchNormForward f =
      kernels::batch_norm_forward(x.detach(), q.gamma, q.beta, q.running_mean, q.running_var, training, 0.1f, 1e-5f);
  kernels::BatchNormGrads g = kernels::batch_norm_backward(r, x.detach(), q.gamma, f.mean, f.istd, training, true, true);
  ASSERT_EQ(x.grad().layout(), layout);
  EXPECT_ALLCLOSE(g.dx, x.grad(), 0, 0);
  EXPECT_ALLCLOSE(g.dgamma, p.gamma.grad(), 0, 0);
  EXPECT_ALLCLOSE(g.dbeta, p.beta.grad(), 0, 0);
  EXPECT_ALLCLOSE(q.running_mean, p.running_mean, 0, 0);
  EXPECT_ALLCLOSE(q.running_var, p.running_var, 0, 0);
}

INSTANTIATE_TEST_SUITE_P(All, BatchNormAutograd,
                         ::testing::Combine(::testing::Values(Layout::kPlain, Layout::kBlocked8), ::testing::Bool()),
                         [](const auto& p) {
                           return layout_name(std::get<0>(p.param)) + (std::get<1>(p.param) ? "Train" : "Eval");
                         });

// The fused rectifiers through autograd: output, running statistics and every gradient equal
// those of batch_norm then relu (relu6) as separate ops.
TEST(BatchNormAutograd, FusedRectifierEqualsSeparateOps) {
  for (kernels::BnActivation act : {kernels::BnActivation::kRelu, kernels::BnActivation::kRelu6}) {
    Tensor x = testing::random_tensor({2, 12, 3, 3}, 7, -1.0, 2.0, Layout::kBlocked8);
    Tensor x2 = x.clone();
    Tensor r = testing::random_tensor({2, 12, 3, 3}, 8, -1.0, 1.0, Layout::kBlocked8);
    Params p, q;
    p.gamma = testing::random_tensor({12}, 9, 2.0, 6.0);
    q.gamma = p.gamma.clone();
    for (Tensor* t : {&x, &x2, &p.gamma, &p.beta, &q.gamma, &q.beta}) t->set_requires_grad(true);
    const Tensor fused = F::batch_norm(x, p.gamma, p.beta, p.running_mean, p.running_var, true, 0.1f, 1e-5f, act);
    const Tensor bn = F::batch_norm(x2, q.gamma, q.beta, q.running_mean, q.running_var, true);
    const Tensor separate = act == kernels::BnActivation::kRelu ? F::relu(bn) : F::relu6(bn);
    EXPECT_ALLCLOSE(separate, fused, 0, 0);
    testing::project(fused, r).backward();
    testing::project(separate, r).backward();
    EXPECT_ALLCLOSE(x2.grad(), x.grad(), 0, 0);
    EXPECT_ALLCLOSE(q.gamma.grad(), p.gamma.grad(), 0, 0);
    EXPECT_ALLCLOSE(q.beta.grad(), p.beta.grad(), 0, 0);
    EXPECT_ALLCLOSE(q.running_var, p.running_var, 0, 0);
  }
}

TEST(BatchNormAutograd, OnlyParametersRequireGradients) {
  Tensor x = testing::random_tensor({2, 12, 2, 2}, 5);
  Params p;
  p.beta.set_requires_grad(true);
  testing::project(F::batch_norm(x, p.gamma, p.beta, p.running_mean, p.running_var, true), Tensor::full(x.shape(), 1.0f))
      .backward();
  EXPECT_FALSE(p.gamma.grad().defined());
  // sum y over a channel = M beta, so dbeta = M for a projection on ones.
  EXPECT_ALLCLOSE(Tensor::full({12}, 8.0f), p.beta.grad(), 1e-5, 1e-5);
}

TEST(BatchNormAutograd, RunningStatisticsUpdateInTrainingEvenWithoutGrad) {
  Tensor x = testing::random_tensor({2, 12, 2, 2}, 6, 1.0, 3.0);
  Params p;
  {
    NoGradGuard no_grad;
    p.gamma.set_requires_grad(true);
    Tensor y = F::batch_norm(x, p.gamma, p.beta, p.running_mean, p.running_var, true);
    EXPECT_FALSE(y.requires_grad());
  }
  EXPECT_GT(p.running_mean.to_vector<float>()[0], 0.05f);
  const std::vector<float> mean = p.running_mean.to_vector<float>();
  F::batch_norm(x, p.gamma, p.beta, p.running_mean, p.running_var, false);
  EXPECT_EQ(p.running_mean.to_vector<float>(), mean);
}

}  // namespace
}  // namespace revive
