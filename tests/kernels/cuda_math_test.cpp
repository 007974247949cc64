// What the CUDA math options make cuDNN and cuBLAS do (kernels/cuda_math.h), checked without a GPU:
// each of the eight combinations of --deterministic, --tf32 and --cudnn-benchmark gives its search,
// math types and algorithm filter, and a run's options reach the kernels' switches unchanged.
#include "kernels/cuda_math.h"

#include <gtest/gtest.h>

#include "run/run_builder.h"

namespace revive::kernels {
namespace {

CudaOptions options(bool deterministic, bool tf32, bool benchmark) {
  CudaOptions o;
  o.deterministic = deterministic;
  o.allow_tf32 = tf32;
  o.benchmark_algorithms = benchmark;
  return o;
}

TEST(CudaMath, TheDefaultsKeepFloat32AndCuDnnsHeuristics) {
  const CudaMathChoice c = cuda_math_choice(CudaOptions{});
  EXPECT_EQ(c.search, ConvAlgoSearch::kHeuristics);
  EXPECT_FALSE(c.deterministic_only);
  EXPECT_EQ(c.rank_math, ConvMath::kFma);
  EXPECT_EQ(c.run_math, ConvMath::kFma);
  EXPECT_EQ(c.gemm_math, GemmMath::kDefault);
  EXPECT_EQ(describe(c), "cuDNN heuristics, any algorithm, fp32 (FMA) math; cuBLAS fp32 math");
}

TEST(CudaMath, EachOptionChangesOnlyItsOwnSetting) {
  for (int bits = 0; bits < 8; ++bits) {
    const bool det = (bits & 1) != 0, tf32 = (bits & 2) != 0, bench = (bits & 4) != 0;
    const CudaMathChoice c = cuda_math_choice(options(det, tf32, bench));
    SCOPED_TRACE(describe(c));
    EXPECT_EQ(c.search, bench ? ConvAlgoSearch::kTimed : ConvAlgoSearch::kHeuristics);
    EXPECT_EQ(c.deterministic_only, det);
    EXPECT_EQ(c.rank_math, tf32 ? ConvMath::kDefault : ConvMath::kFma);
    EXPECT_EQ(c.run_math, tf32 ? ConvMath::kCandidate : ConvMath::kFma);
    EXPECT_EQ(c.gemm_math, tf32 ? GemmMath::kTf32 : GemmMath::kDefault);
  }
  EXPECT_EQ(describe(cuda_math_choice(options(true, true, true))),
            "cuDNN timed algorithm choice, deterministic algorithms only, TF32 tensor cores allowed; cuBLAS TF32 "
            "tensor-op math");
}

TEST(CudaMath, DeterministicExcludesWhatCuDnnReportsAndTheAtomicAlgorithms) {
  const CudaMathChoice any = cuda_math_choice(CudaOptions{});
  const CudaMathChoice det = cuda_math_choice(options(true, false, false));
  for (ConvDirection d : {ConvDirection::kForward, ConvDirection::kBackwardData, ConvDirection::kBackwardFilter}) {
    for (int algo = 0; algo < 8; ++algo) {
      EXPECT_TRUE(conv_algorithm_allowed(any, d, algo, false)) << "without --deterministic every algorithm";
      EXPECT_FALSE(conv_algorithm_allowed(det, d, algo, false)) << "reported non-deterministic";
    }
  }
  // Reported deterministic, but atomics by the header: backward data ALGO_0, backward filter 0 and 3.
  EXPECT_TRUE(conv_algorithm_allowed(det, ConvDirection::kForward, 0, true));
  EXPECT_FALSE(conv_algorithm_allowed(det, ConvDirection::kBackwardData, 0, true));
  EXPECT_TRUE(conv_algorithm_allowed(det, ConvDirection::kBackwardData, 1, true));
  EXPECT_FALSE(conv_algorithm_allowed(det, ConvDirection::kBackwardFilter, 0, true));
  EXPECT_TRUE(conv_algorithm_allowed(det, ConvDirection::kBackwardFilter, 1, true));
  EXPECT_FALSE(conv_algorithm_allowed(det, ConvDirection::kBackwardFilter, 3, true));
}

TEST(CudaMath, ARunsOptionsAreTheKernelsSwitches) {
  RunConfig c;
  EXPECT_EQ(cuda_math_choice(run_cuda_options(c)).search, ConvAlgoSearch::kHeuristics);
  c.deterministic = true;
  c.tf32 = true;
  c.cudnn_benchmark = true;
  const CudaOptions o = run_cuda_options(c);
  EXPECT_TRUE(o.deterministic);
  EXPECT_TRUE(o.allow_tf32);
  EXPECT_TRUE(o.benchmark_algorithms);
  c.tf32 = false;
  EXPECT_FALSE(run_cuda_options(c).allow_tf32);
  EXPECT_TRUE(run_cuda_options(c).deterministic);
}

}  // namespace
}  // namespace revive::kernels
