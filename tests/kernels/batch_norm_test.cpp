#include "kernels/batch_norm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/relu.h"
#include "support/allclose.h"
#include "support/gradcheck.h"
#include "support/tensor_utils.h"

namespace revive::kernels {
namespace {

using testing::Vec;

struct Dims {
  int64_t N, C, H, W;
  int64_t HW() const { return H * W; }
  Shape shape() const { return {N, C, H, W}; }
};

// Batch-statistics forward in double through the plain kernel; returns y.
Vec forward_train(const Dims& d, const Vec& x, const Vec& gamma, const Vec& beta) {
  Vec y(x.size()), mean(d.C), istd(d.C);
  batch_norm_forward_cpu<double>(y.data(), mean.data(), istd.data(), x.data(), gamma.data(), beta.data(), nullptr,
                                 nullptr, d.N, d.C, d.HW(), true, 0.1, 1e-5);
  return y;
}

TEST(BatchNorm, TrainForwardMatchesTheDefinition) {
  const Dims d{3, 4, 2, 5};
  const Vec x = testing::random_vec(d.N * d.C * d.HW(), 1, -2.0, 3.0);
  const Vec gamma = testing::random_vec(d.C, 2, 0.5, 1.5), beta = testing::random_vec(d.C, 3);
  const Vec y = forward_train(d, x, gamma, beta);
  const double M = static_cast<double>(d.N * d.HW());
  Vec ref(x.size());
  for (int64_t c = 0; c < d.C; ++c) {
    double sum = 0, sq = 0;
    for (int64_t n = 0; n < d.N; ++n) {
      for (int64_t i = 0; i < d.HW(); ++i) sum += x[(n * d.C + c) * d.HW() + i];
    }
    const double mean = sum / M;
    for (int64_t n = 0; n < d.N; ++n) {
      for (int64_t i = 0; i < d.HW(); ++i) sq += std::pow(x[(n * d.C + c) * d.HW() + i] - mean, 2);
    }
    const double istd = 1.0 / std::sqrt(sq / M + 1e-5);
    for (int64_t n = 0; n < d.N; ++n) {
      for (int64_t i = 0; i < d.HW(); ++i) {
        const int64_t k = (n * d.C + c) * d.HW() + i;
        ref[k] = gamma[c] * (x[k] - mean) * istd + beta[c];
      }
    }
  }
  EXPECT_ALLCLOSE(ref, y, 1e-12, 1e-12);
}

// x of channel 0: 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1: 0, 0, 2, 2
// (mean 1, biased var 1, unbiased 4/3). Running stats start at PyTorch's defaults (0 and 1).
TEST(BatchNorm, RunningStatisticsFollowPyTorch) {
  Tensor x = Tensor::from_vector<float>({1, 2, 0, 0, 3, 4, 2, 2}, {2, 2, 1, 2});
  Tensor gamma = Tensor::full({2}, 1.0f), beta = Tensor::zeros({2});
  Tensor rm = Tensor::zeros({2}), rv = Tensor::full({2}, 1.0f);
  BatchNormForward f = batch_norm_forward(x, gamma, beta, rm, rv, true, 0.1f, 1e-5f);
  EXPECT_ALLCLOSE(rm.to_vector<float>(), (std::vector<float>{0.25f, 0.1f}), 1e-7, 1e-6);
  EXPECT_ALLCLOSE(rv.to_vector<float>(), (std::vector<float>{0.9f + 0.1f * 5 / 3, 0.9f + 0.1f * 4 / 3}), 1e-7, 1e-6);
  EXPECT_ALLCLOSE(f.mean.to_vector<float>(), (std::vector<float>{2.5f, 1.0f}), 1e-7, 1e-6);
  const float i0 = 1 / std::sqrt(1.25f + 1e-5f), i1 = 1 / std::sqrt(1.0f + 1e-5f);
  EXPECT_ALLCLOSE(f.istd.to_vector<float>(), (std::vector<float>{i0, i1}), 1e-7, 1e-6);
  EXPECT_ALLCLOSE(f.y.to_vector<float>(),
                  (std::vector<float>{-1.5f * i0, -0.5f * i0, -i1, -i1, 0.5f * i0, 1.5f * i0, i1, i1}), 1e-6, 1e-5);
  // A second step blends again: r = 0.9 r + 0.1 stat.
  batch_norm_forward(x, gamma, beta, rm, rv, true, 0.1f, 1e-5f);
  EXPECT_ALLCLOSE(rm.to_vector<float>(), (std::vector<float>{0.25f * 0.9f + 0.25f, 0.1f * 0.9f + 0.1f}), 1e-7, 1e-6);
}

TEST(BatchNorm, EvalUsesRunningStatisticsAndLeavesThem) {
  Tensor x = testing::random_tensor({2, 3, 2, 2}, 4);
  Tensor gamma = Tensor::from_vector<float>({1.0f, 2.0f, 0.5f}, {3}), beta = Tensor::from_vector<float>({0, 1, -1}, {3});
  Tensor rm = Tensor::from_vector<float>({0.1f, -0.2f, 0.3f}, {3}), rv = Tensor::from_vector<float>({1, 4, 0.25f}, {3});
  BatchNormForward f = batch_norm_forward(x, gamma, beta, rm, rv, false, 0.1f, 1e-5f);
  EXPECT_EQ(rm.to_vector<float>(), (std::vector<float>{0.1f, -0.2f, 0.3f}));
  EXPECT_EQ(rv.to_vector<float>(), (std::vector<float>{1, 4, 0.25f}));
  const std::vector<float> xv = x.to_vector<float>(), yv = f.y.to_vector<float>();
  const float g[3] = {1, 2, 0.5f}, b[3] = {0, 1, -1}, m[3] = {0.1f, -0.2f, 0.3f}, v[3] = {1, 4, 0.25f};
  for (size_t i = 0; i < xv.size(); ++i) {
    const size_t c = (i / 4) % 3;
    EXPECT_NEAR(yv[i], g[c] * (xv[i] - m[c]) / std::sqrt(v[c] + 1e-5f) + b[c], 1e-5) << i;
  }
}

TEST(BatchNorm, TrainGradients) {
  const Dims d{2, 3, 3, 4};
  const Vec x = testing::random_vec(d.N * d.C * d.HW(), 5, -1.0, 2.0);
  const Vec gamma = testing::random_vec(d.C, 6, 0.5, 1.5), beta = testing::random_vec(d.C, 7);
  auto fwd = [&](const std::vector<Vec>& in) { return forward_train(d, in[0], in[1], in[2]); };
  auto bwd = [&](const std::vector<Vec>& in, const Vec& dy) {
    Vec y(in[0].size()), mean(d.C), istd(d.C), dx(in[0].size()), dgamma(d.C), dbeta(d.C);
    batch_norm_forward_cpu<double>(y.data(), mean.data(), istd.data(), in[0].data(), in[1].data(), in[2].data(),
                                   nullptr, nullptr, d.N, d.C, d.HW(), true, 0.1, 1e-5);
    batch_norm_backward_cpu<double>(dx.data(), dgamma.data(), dbeta.data(), dy.data(), in[0].data(), in[1].data(),
                                    mean.data(), istd.data(), d.N, d.C, d.HW(), true);
    return std::vector<Vec>{dx, dgamma, dbeta};
  };
  EXPECT_TRUE(testing::check_gradients(fwd, bwd, {x, gamma, beta}, {"x", "gamma", "beta"}));
}

TEST(BatchNorm, EvalGradients) {
  const Dims d{2, 3, 2, 3};
  const Vec x = testing::random_vec(d.N * d.C * d.HW(), 8);
  const Vec gamma = testing::random_vec(d.C, 9, 0.5, 1.5), beta = testing::random_vec(d.C, 10);
  Vec rm = testing::random_vec(d.C, 11), rv = testing::random_vec(d.C, 12, 0.5, 2.0);
  auto run = [&](const std::vector<Vec>& in, Vec& mean, Vec& istd) {
    Vec y(in[0].size());
    batch_norm_forward_cpu<double>(y.data(), mean.data(), istd.data(), in[0].data(), in[1].data(), in[2].data(),
                                   rm.data(), rv.data(), d.N, d.C, d.HW(), false, 0.1, 1e-5);
    return y;
  };
  auto fwd = [&](const std::vector<Vec>& in) {
    Vec mean(d.C), istd(d.C);
    return run(in, mean, istd);
  };
  auto bwd = [&](const std::vector<Vec>& in, const Vec& dy) {
    Vec mean(d.C), istd(d.C), dx(in[0].size()), dgamma(d.C), dbeta(d.C);
    run(in, mean, istd);
    batch_norm_backward_cpu<double>(dx.data(), dgamma.data(), dbeta.data(), dy.data(), in[0].data(), in[1].data(),
                                    mean.data(), istd.data(), d.N, d.C, d.HW(), false);
    return std::vector<Vec>{dx, dgamma, dbeta};
  };
  EXPECT_TRUE(testing::check_gradients(fwd, bwd, {x, gamma, beta}, {"x", "gamma", "beta"}));
}

// C = 12 leaves 4 padding channels in the second block of 8.
class BatchNormLayouts : public ::testing::TestWithParam<std::tuple<Layout, bool>> {};

TEST_P(BatchNormLayouts, BlockedEqualsPlain) {
  const auto [layout, training] = GetParam();
  const Shape s{3, 12, 5, 3};
  Tensor x = testing::random_tensor(s, 13, -1.0, 3.0);
  Tensor dy = testing::random_tensor(s, 14);
  Tensor gamma = testing::random_tensor({12}, 15, 0.5, 1.5), beta = testing::random_tensor({12}, 16);
  Tensor rm_p = testing::random_tensor({12}, 17), rv_p = testing::random_tensor({12}, 18, 0.5, 2.0);
  Tensor rm_b = rm_p.clone(), rv_b = rv_p.clone();
  BatchNormForward p = batch_norm_forward(x, gamma, beta, rm_p, rv_p, training, 0.1f, 1e-5f);
  BatchNormForward b = batch_norm_forward(to_layout(x, layout), gamma, beta, rm_b, rv_b, training, 0.1f, 1e-5f);
  ASSERT_EQ(b.y.layout(), layout);
  EXPECT_TRUE(testing::padding_is_zero(b.y));
  EXPECT_ALLCLOSE(p.y, b.y, 1e-5, 1e-5);
  EXPECT_ALLCLOSE(rm_p, rm_b, 1e-6, 1e-6);
  EXPECT_ALLCLOSE(rv_p, rv_b, 1e-6, 1e-6);
  BatchNormGrads gp = batch_norm_backward(dy, x, gamma, p.mean, p.istd, training, true, true);
  BatchNormGrads gb = batch_norm_backward(to_layout(dy, layout), to_layout(x, layout), gamma, b.mean, b.istd, training,
                                          true, true);
  ASSERT_EQ(gb.dx.layout(), layout);
  EXPECT_TRUE(testing::padding_is_zero(gb.dx));
  EXPECT_ALLCLOSE(gp.dx, gb.dx, 1e-5, 1e-4);
  EXPECT_ALLCLOSE(gp.dgamma, gb.dgamma, 1e-5, 1e-4);
  EXPECT_ALLCLOSE(gp.dbeta, gb.dbeta, 1e-5, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(All, BatchNormLayouts,
                         ::testing::Combine(::testing::Values(Layout::kBlocked8, Layout::kBlocked16),
                                            ::testing::Bool()),
                         [](const auto& p) {
                           return layout_name(std::get<0>(p.param)) + (std::get<1>(p.param) ? "Train" : "Eval");
                         });

// The float Tensor path against the double kernel, including the partial-gradient requests.
TEST(BatchNorm, FloatTensorPathMatchesDoubleKernel) {
  const Dims d{4, 5, 3, 3};
  Tensor x = testing::random_tensor(d.shape(), 19, 10.0, 12.0);  // a large mean tests the variance's digits
  Tensor dy = testing::random_tensor(d.shape(), 20);
  Tensor gamma = testing::random_tensor({d.C}, 21, 0.5, 1.5), beta = testing::random_tensor({d.C}, 22);
  const Vec xv = testing::to_vec(x), dyv = testing::to_vec(dy), gv = testing::to_vec(gamma), bv = testing::to_vec(beta);
  Vec y(xv.size()), mean(d.C), istd(d.C), dx(xv.size()), dgamma(d.C), dbeta(d.C);
  batch_norm_forward_cpu<double>(y.data(), mean.data(), istd.data(), xv.data(), gv.data(), bv.data(), nullptr,
                                 nullptr, d.N, d.C, d.HW(), true, 0.1, 1e-5);
  batch_norm_backward_cpu<double>(dx.data(), dgamma.data(), dbeta.data(), dyv.data(), xv.data(), gv.data(),
                                  mean.data(), istd.data(), d.N, d.C, d.HW(), true);
  BatchNormForward f = batch_norm_forward(x, gamma, beta, Tensor(), Tensor(), true, 0.1f, 1e-5f);
  EXPECT_ALLCLOSE(y, testing::to_vec(f.y), 1e-4, 1e-4);
  EXPECT_ALLCLOSE(istd, testing::to_vec(f.istd), 1e-5, 1e-4);
  BatchNormGrads only_dx = batch_norm_backward(dy, x, gamma, f.mean, f.istd, true, true, false);
  BatchNormGrads only_params = batch_norm_backward(dy, x, gamma, f.mean, f.istd, true, false, true);
  EXPECT_FALSE(only_dx.dgamma.defined());
  EXPECT_FALSE(only_params.dx.defined());
  EXPECT_ALLCLOSE(dx, testing::to_vec(only_dx.dx), 1e-4, 1e-3);
  EXPECT_ALLCLOSE(dgamma, testing::to_vec(only_params.dgamma), 1e-4, 1e-4);
  EXPECT_ALLCLOSE(dbeta, testing::to_vec(only_params.dbeta), 1e-4, 1e-4);
}

// |mean| / std = 1000: an unshifted float sum of squares would lose the variance entirely.
TEST(BatchNorm, VarianceSurvivesALargeMean) {
  for (Layout layout : {Layout::kPlain, Layout::kBlocked8}) {
    Tensor x = testing::random_tensor({4, 3, 8, 8}, 23, 999.0, 1001.0, layout);
    BatchNormForward f =
        batch_norm_forward(x, Tensor::full({3}, 1.0f), Tensor::zeros({3}), Tensor(), Tensor(), true, 0.1f, 1e-5f);
    const Vec xv = testing::to_vec(x), istd = testing::to_vec(f.istd);
    for (int64_t c = 0; c < 3; ++c) {
      double sum = 0, sq = 0;
      for (int64_t n = 0; n < 4; ++n) {
        for (int64_t i = 0; i < 64; ++i) sum += xv[(n * 3 + c) * 64 + i];
      }
      for (int64_t n = 0; n < 4; ++n) {
        for (int64_t i = 0; i < 64; ++i) sq += std::pow(xv[(n * 3 + c) * 64 + i] - sum / 256, 2);
      }
      EXPECT_NEAR(istd[c], 1 / std::sqrt(sq / 256 + 1e-5), 1e-4 * istd[c]) << layout_name(layout) << " channel " << c;
    }
  }
}

// The fused rectifier against batch norm then relu/relu6 as separate ops, in every layout and
// mode: equal bit for bit, forward and backward (the mask of the fused backward is recomputed from
// x, the separate op's from y). Pre-activations spread over [-8, 8], across both kinks of relu6.
class BatchNormFused : public ::testing::TestWithParam<std::tuple<Layout, bool, BnActivation>> {};

TEST_P(BatchNormFused, EqualsBatchNormThenRectifier) {
  const auto [layout, training, act] = GetParam();
  const Shape s{3, 12, 5, 3};  // C = 12: padding channels in the blocked layouts
  Tensor x = testing::random_tensor(s, 31, -1.0, 3.0, layout);
  Tensor dy = testing::random_tensor(s, 32, -1.0, 1.0, layout);
  Tensor gamma = testing::random_tensor({12}, 33, 1.0, 4.0), beta = testing::random_tensor({12}, 34, -2.0, 2.0);
  Tensor rm1 = testing::random_tensor({12}, 35), rv1 = testing::random_tensor({12}, 36, 0.5, 2.0);
  Tensor rm2 = rm1.clone(), rv2 = rv1.clone();
  const bool relu6 = act == BnActivation::kRelu6;
  const BatchNormForward sep = batch_norm_forward(x, gamma, beta, rm1, rv1, training, 0.1f, 1e-5f);
  const Tensor y_sep = relu6 ? relu6_forward(sep.y) : relu_forward(sep.y);
  const BatchNormForward fused = batch_norm_forward(x, gamma, beta, rm2, rv2, training, 0.1f, 1e-5f, act);
  ASSERT_EQ(fused.y.layout(), layout);
  EXPECT_TRUE(testing::padding_is_zero(fused.y));
  const Vec y = testing::to_vec(fused.y);
  EXPECT_EQ(testing::to_vec(y_sep), y);
  EXPECT_EQ(testing::to_vec(rm1), testing::to_vec(rm2));
  EXPECT_EQ(testing::to_vec(rv1), testing::to_vec(rv2));
  // Both kinks are crossed, so the masks are tested.
  EXPECT_GT(std::count(y.begin(), y.end(), 0.0), 10);
  if (relu6) {
    EXPECT_GT(std::count(y.begin(), y.end(), 6.0), 10);
  }

  const Tensor g_sep = relu6 ? relu6_backward(dy, y_sep) : relu_backward(dy, y_sep);
  const BatchNormGrads sep_g = batch_norm_backward(g_sep, x, gamma, sep.mean, sep.istd, training, true, true);
  const BatchNormGrads fused_g = batch_norm_backward(dy, x, gamma, fused.mean, fused.istd, training, true, true,
                                                     BnFusedActivation{act, fused.scale, fused.shift});
  ASSERT_EQ(fused_g.dx.layout(), layout);
  EXPECT_TRUE(testing::padding_is_zero(fused_g.dx));
  EXPECT_EQ(testing::to_vec(sep_g.dx), testing::to_vec(fused_g.dx));
  EXPECT_EQ(testing::to_vec(sep_g.dgamma), testing::to_vec(fused_g.dgamma));
  EXPECT_EQ(testing::to_vec(sep_g.dbeta), testing::to_vec(fused_g.dbeta));
}

INSTANTIATE_TEST_SUITE_P(All, BatchNormFused,
                         ::testing::Combine(::testing::Values(Layout::kPlain, Layout::kBlocked8, Layout::kBlocked16),
                                            ::testing::Bool(),
                                            ::testing::Values(BnActivation::kRelu, BnActivation::kRelu6)),
                         [](const auto& p) {
                           return layout_name(std::get<0>(p.param)) + (std::get<1>(p.param) ? "Train" : "Eval") +
                                  (std::get<2>(p.param) == BnActivation::kRelu ? "Relu" : "Relu6");
                         });

// Finite differences through the fused op in double, training mode: a gradient that missed the
// mask, or masked at the wrong pre-activation, fails here. Values sit well away from the kinks
// for the step the check takes.
TEST(BatchNorm, FusedRectifierGradients) {
  const Dims d{2, 3, 3, 4};
  const Vec x = testing::random_vec(d.N * d.C * d.HW(), 41, -1.0, 2.0);
  const Vec gamma = testing::random_vec(d.C, 42, 3.0, 5.0), beta = testing::random_vec(d.C, 43, 2.0, 3.0);
  for (BnActivation act : {BnActivation::kRelu, BnActivation::kRelu6}) {
    auto run = [&](const std::vector<Vec>& in, Vec& mean, Vec& istd, Vec& scale, Vec& shift) {
      Vec y(in[0].size());
      batch_norm_forward_cpu<double>(y.data(), mean.data(), istd.data(), in[0].data(), in[1].data(), in[2].data(),
                                     nullptr, nullptr, d.N, d.C, d.HW(), true, 0.1, 1e-5, act, scale.data(),
                                     shift.data());
      return y;
    };
    auto fwd = [&](const std::vector<Vec>& in) {
      Vec mean(d.C), istd(d.C), scale(d.C), shift(d.C);
      return run(in, mean, istd, scale, shift);
    };
    auto bwd = [&](const std::vector<Vec>& in, const Vec& dy) {
      Vec mean(d.C), istd(d.C), scale(d.C), shift(d.C), dx(in[0].size()), dgamma(d.C), dbeta(d.C);
      run(in, mean, istd, scale, shift);
      batch_norm_backward_cpu<double>(dx.data(), dgamma.data(), dbeta.data(), dy.data(), in[0].data(), in[1].data(),
                                      mean.data(), istd.data(), d.N, d.C, d.HW(), true, act, scale.data(),
                                      shift.data());
      return std::vector<Vec>{dx, dgamma, dbeta};
    };
    const Vec y = fwd({x, gamma, beta});
    // Some outputs are clipped (at 0, and at 6 for relu6), some pass: both sides of the mask count.
    EXPECT_GT(std::count(y.begin(), y.end(), 0.0), 3);
    if (act == BnActivation::kRelu6) {
      EXPECT_GT(std::count(y.begin(), y.end(), 6.0), 3);
    }
    EXPECT_TRUE(testing::check_gradients(fwd, bwd, {x, gamma, beta}, {"x", "gamma", "beta"}))
        << (act == BnActivation::kRelu ? "relu" : "relu6");
  }
}

TEST(BatchNorm, RejectsBadArguments) {
  Tensor x = Tensor::zeros({2, 3, 2, 2});
  Tensor g = Tensor::full({3}, 1.0f), b = Tensor::zeros({3}), rm = Tensor::zeros({3}), rv = Tensor::full({3}, 1.0f);
  EXPECT_THROW(batch_norm_forward(x, Tensor::full({4}, 1.0f), b, rm, rv, true, 0.1f, 1e-5f), Error);
  EXPECT_THROW(batch_norm_forward(x, g, b, Tensor(), Tensor(), false, 0.1f, 1e-5f), Error);
  EXPECT_THROW(batch_norm_forward(Tensor::zeros({1, 3, 1, 1}), g, b, rm, rv, true, 0.1f, 1e-5f), Error);
  EXPECT_THROW(batch_norm_forward(Tensor::zeros({2, 3}), g, b, rm, rv, true, 0.1f, 1e-5f), Error);
  EXPECT_THROW(batch_norm_backward(Tensor::zeros({2, 3, 2, 1}), x, g, rm, rv, true, true, true), Error);
  // A fused activation's backward needs the forward's scale and shift.
  EXPECT_THROW(batch_norm_backward(x, x, g, rm, rv, true, true, true, BnFusedActivation{BnActivation::kRelu, {}, {}}),
               Error);
  EXPECT_THROW(
      batch_norm_backward(x, x, g, rm, rv, true, true, true, BnFusedActivation{BnActivation::kRelu, g, Tensor::zeros({4})}),
      Error);
}

}  // namespace
}  // namespace revive::kernels
