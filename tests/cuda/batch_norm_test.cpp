// Batch norm on CUDA against the CPU: training forward (y, batch statistics, running statistics
// updated in place), eval forward, and every backward variant. Reductions: 1e-4. The inputs sit
// around 10 with a spread of 1, so the shifted sums (x - x[0, c, 0, 0]) matter.
#include "kernels/batch_norm.h"

#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

// Includes a channel count past one CUDA block of channels' worth of threads, a single pixel
// per channel, and planes larger than one 4096-value reduction slice.
const std::vector<Shape> kShapes{{2, 3, 4, 5}, {2, 1, 1, 1}, {3, 17, 7, 9}, {5, 2, 40, 41}, {1, 300, 2, 2}};

TEST(CudaBatchNorm, TrainingForwardMatchesCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 1;
  for (const Shape& s : kShapes) {
    const int64_t C = s[1];
    const Tensor x = random_tensor(s, seed++, 9.0, 11.0);
    const Tensor gamma = random_tensor({C}, seed++, 0.5, 1.5), beta = random_tensor({C}, seed++);
    Tensor rm = random_tensor({C}, seed++), rv = random_tensor({C}, seed++, 0.5, 2.0);
    Tensor rm_cuda = to_cuda(rm), rv_cuda = to_cuda(rv);
    const BatchNormForward ref = batch_norm_forward(x, gamma, beta, rm, rv, true, 0.1f, 1e-5f);
    const BatchNormForward got =
        batch_norm_forward(to_cuda(x), to_cuda(gamma), to_cuda(beta), rm_cuda, rv_cuda, true, 0.1f, 1e-5f);
    EXPECT_ALLCLOSE(ref.y, got.y, 1e-4, 1e-4) << shape_str(s);
    EXPECT_ALLCLOSE(ref.mean, got.mean, 1e-4, 1e-4) << shape_str(s);
    EXPECT_ALLCLOSE(ref.istd, got.istd, 1e-4, 1e-4) << shape_str(s);
    EXPECT_ALLCLOSE(rm, rm_cuda, 1e-4, 1e-4) << shape_str(s);
    EXPECT_ALLCLOSE(rv, rv_cuda, 1e-4, 1e-4) << shape_str(s);
  }
}

TEST(CudaBatchNorm, TrainingWithoutRunningStatisticsMatchesCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const Shape s{4, 6, 3, 5};
  const Tensor x = random_tensor(s, 1), gamma = random_tensor({6}, 2), beta = random_tensor({6}, 3);
  const BatchNormForward ref = batch_norm_forward(x, gamma, beta, Tensor(), Tensor(), true, 0.1f, 1e-5f);
  const BatchNormForward got =
      batch_norm_forward(to_cuda(x), to_cuda(gamma), to_cuda(beta), Tensor(), Tensor(), true, 0.1f, 1e-5f);
  EXPECT_ALLCLOSE(ref.y, got.y, 1e-4, 1e-4);
}

TEST(CudaBatchNorm, EvalForwardMatchesCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 21;
  for (Shape s : kShapes) {
    const int64_t C = s[1];
    const Tensor x = random_tensor(s, seed++, 9.0, 11.0);
    const Tensor gamma = random_tensor({C}, seed++, 0.5, 1.5), beta = random_tensor({C}, seed++);
    const Tensor rm = random_tensor({C}, seed++, 9.0, 11.0), rv = random_tensor({C}, seed++, 0.5, 2.0);
    Tensor rm_cuda = to_cuda(rm), rv_cuda = to_cuda(rv);
    const BatchNormForward ref = batch_norm_forward(x, gamma, beta, rm, rv, false, 0.1f, 1e-5f);
    const BatchNormForward got =
        batch_norm_forward(to_cuda(x), to_cuda(gamma), to_cuda(beta), rm_cuda, rv_cuda, false, 0.1f, 1e-5f);
    EXPECT_ALLCLOSE(ref.y, got.y, 1e-5, 1e-5) << shape_str(s);  // no reduction in eval
    EXPECT_ALLCLOSE(ref.mean, got.mean, 0.0, 0.0) << shape_str(s);
    EXPECT_ALLCLOSE(ref.istd, got.istd, 1e-6, 1e-6) << shape_str(s);
  }
  // An empty batch in eval mode is a valid no-op.
  const Tensor empty = Tensor::empty({0, 3, 2, 2});
  Tensor rm = Tensor::zeros({3}), rv = Tensor::full({3}, 1.0f), g = Tensor::full({3}, 1.0f), b = Tensor::zeros({3});
  Tensor rm_cuda = to_cuda(rm), rv_cuda = to_cuda(rv);
  EXPECT_EQ(batch_norm_forward(to_cuda(empty), to_cuda(g), to_cuda(b), rm_cuda, rv_cuda, false, 0.1f, 1e-5f).y.numel(),
            0);
}

TEST(CudaBatchNorm, BackwardMatchesCpuInEveryMode) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 41;
  for (const Shape& s : kShapes) {
    const int64_t C = s[1];
    const Tensor x = random_tensor(s, seed++, 9.0, 11.0), dy = random_tensor(s, seed++);
    const Tensor gamma = random_tensor({C}, seed++, 0.5, 1.5), beta = random_tensor({C}, seed++);
    const BatchNormForward f = batch_norm_forward(x, gamma, beta, Tensor(), Tensor(), true, 0.1f, 1e-5f);
    for (bool batch_stats : {true, false}) {
      for (bool need_dx : {true, false}) {
        for (bool need_dparams : {true, false}) {
          const BatchNormGrads ref = batch_norm_backward(dy, x, gamma, f.mean, f.istd, batch_stats, need_dx, need_dparams);
          const BatchNormGrads got = batch_norm_backward(to_cuda(dy), to_cuda(x), to_cuda(gamma), to_cuda(f.mean),
                                                         to_cuda(f.istd), batch_stats, need_dx, need_dparams);
          ASSERT_EQ(got.dx.defined(), need_dx);
          ASSERT_EQ(got.dgamma.defined(), need_dparams);
          if (need_dx) {
            EXPECT_ALLCLOSE(ref.dx, got.dx, 1e-4, 1e-4) << shape_str(s) << " batch_stats " << batch_stats;
          }
          if (need_dparams) {
            EXPECT_ALLCLOSE(ref.dgamma, got.dgamma, 1e-4, 1e-4) << shape_str(s);
            EXPECT_ALLCLOSE(ref.dbeta, got.dbeta, 1e-4, 1e-4) << shape_str(s);
          }
        }
      }
    }
  }
}

// The fused rectifiers: the forward's output and coefficients, and the masked backward, against
// the CPU's fused op. Pre-activations spread over about [-6, 10], across both kinks of relu6.
TEST(CudaBatchNorm, FusedRectifierMatchesCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 61;
  for (const Shape& s : kShapes) {
    const int64_t C = s[1];
    const Tensor x = random_tensor(s, seed++, 9.0, 11.0), dy = random_tensor(s, seed++);
    const Tensor gamma = random_tensor({C}, seed++, 2.0, 4.0), beta = random_tensor({C}, seed++, 0.0, 3.0);
    for (BnActivation act : {BnActivation::kRelu, BnActivation::kRelu6}) {
      for (bool training : {true, false}) {
        Tensor rm = random_tensor({C}, seed++, 9.5, 10.5), rv = random_tensor({C}, seed++, 0.2, 0.4);
        Tensor rm_cuda = to_cuda(rm), rv_cuda = to_cuda(rv);
        const BatchNormForward ref = batch_norm_forward(x, gamma, beta, rm, rv, training, 0.1f, 1e-5f, act);
        const BatchNormForward got = batch_norm_forward(to_cuda(x), to_cuda(gamma), to_cuda(beta), rm_cuda, rv_cuda,
                                                        training, 0.1f, 1e-5f, act);
        EXPECT_ALLCLOSE(ref.y, got.y, 1e-4, 1e-4) << shape_str(s) << " training " << training;
        EXPECT_ALLCLOSE(ref.scale, got.scale, 1e-5, 1e-5) << shape_str(s);
        EXPECT_ALLCLOSE(ref.shift, got.shift, 1e-4, 1e-4) << shape_str(s);
        const BatchNormGrads ref_g = batch_norm_backward(dy, x, gamma, ref.mean, ref.istd, training, true, true,
                                                         BnFusedActivation{act, ref.scale, ref.shift});
        const BatchNormGrads got_g =
            batch_norm_backward(to_cuda(dy), to_cuda(x), to_cuda(gamma), got.mean, got.istd, training, true, true,
                                BnFusedActivation{act, got.scale, got.shift});
        EXPECT_ALLCLOSE(ref_g.dx, got_g.dx, 1e-4, 1e-4) << shape_str(s) << " training " << training;
        EXPECT_ALLCLOSE(ref_g.dgamma, got_g.dgamma, 1e-4, 1e-4) << shape_str(s);
        EXPECT_ALLCLOSE(ref_g.dbeta, got_g.dbeta, 1e-4, 1e-4) << shape_str(s);
      }
    }
  }
}

// Training takes statistics over N H W values per channel: an empty batch or a single value is
// rejected, with the same message on both devices. Two values per channel is the smallest valid
// batch.
TEST(CudaBatchNorm, DegenerateTrainingBatchesMatchCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const Tensor g = Tensor::full({3}, 1.0f), b = Tensor::zeros({3});
  for (const Shape& s : std::vector<Shape>{{0, 3, 2, 2}, {1, 3, 1, 1}, {2, 3, 0, 4}}) {
    const Tensor x = random_tensor(s, 1);
    const std::string cpu =
        testing::error_message([&] { batch_norm_forward(x, g, b, Tensor(), Tensor(), true, 0.1f, 1e-5f); });
    EXPECT_NE(cpu, "") << shape_str(s);
    EXPECT_EQ(cpu, testing::error_message([&] {
                batch_norm_forward(to_cuda(x), to_cuda(g), to_cuda(b), Tensor(), Tensor(), true, 0.1f, 1e-5f);
              })) << shape_str(s);
  }
  const Tensor x = random_tensor({1, 3, 1, 2}, 2), dy = random_tensor({1, 3, 1, 2}, 3);
  const BatchNormForward ref = batch_norm_forward(x, g, b, Tensor(), Tensor(), true, 0.1f, 1e-5f);
  const BatchNormForward got =
      batch_norm_forward(to_cuda(x), to_cuda(g), to_cuda(b), Tensor(), Tensor(), true, 0.1f, 1e-5f);
  EXPECT_ALLCLOSE(ref.y, got.y, 1e-4, 1e-4);
  const BatchNormGrads ref_g = batch_norm_backward(dy, x, g, ref.mean, ref.istd, true, true, true);
  const BatchNormGrads got_g = batch_norm_backward(to_cuda(dy), to_cuda(x), to_cuda(g), got.mean, got.istd, true,
                                                   true, true);
  EXPECT_ALLCLOSE(ref_g.dx, got_g.dx, 1e-4, 1e-4);
  EXPECT_ALLCLOSE(ref_g.dgamma, got_g.dgamma, 1e-4, 1e-4);
}

// The backward of an empty batch: no dx values, and zero parameter gradients on both devices.
TEST(CudaBatchNorm, EmptyBatchBackwardMatchesCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const Shape s{0, 3, 2, 2};
  const Tensor x = Tensor::empty(s), dy = Tensor::empty(s);
  const Tensor g = Tensor::full({3}, 1.0f), mean = Tensor::zeros({3}), istd = Tensor::full({3}, 1.0f);
  for (bool batch_stats : {true, false}) {
    const BatchNormGrads ref = batch_norm_backward(dy, x, g, mean, istd, batch_stats, true, true);
    const BatchNormGrads got = batch_norm_backward(to_cuda(dy), to_cuda(x), to_cuda(g), to_cuda(mean), to_cuda(istd),
                                                   batch_stats, true, true);
    EXPECT_EQ(got.dx.shape(), s);
    EXPECT_ALLCLOSE(ref.dgamma, got.dgamma, 0.0, 0.0);
    EXPECT_ALLCLOSE(ref.dbeta, got.dbeta, 0.0, 0.0);
  }
}

}  // namespace
}  // namespace revive::kernels
