// Accuracy counting on CUDA against the CPU (integers: exact), including ties (the first index
// wins), NaN rows, and accumulation into a device counter across calls.
#include "kernels/count_correct.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/rng.h"
#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::to_cuda;

// Logits rounded to halves (so rows have ties) with a NaN now and then, and random labels.
void make_case(int64_t N, int64_t K, uint64_t seed, Tensor* logits, Tensor* labels) {
  Rng rng(seed);
  std::vector<float> l(static_cast<size_t>(N * K));
  for (float& v : l) v = rng.uniform() < 0.02f ? std::numeric_limits<float>::quiet_NaN() : std::round(rng.uniform(-2, 2) * 2) / 2;
  std::vector<int64_t> y(static_cast<size_t>(N));
  for (int64_t& v : y) v = static_cast<int64_t>(rng.below(static_cast<uint64_t>(K)));
  *logits = Tensor::from_vector(l, {N, K});
  *labels = Tensor::from_vector(y, {N});
}

TEST(CudaCountCorrect, MatchesCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  uint64_t seed = 1;
  for (const auto& [N, K] : std::vector<std::pair<int64_t, int64_t>>{{0, 10}, {1, 1}, {1, 10}, {255, 3}, {257, 10}, {70001, 4}}) {
    Tensor logits, labels;
    make_case(N, K, seed++, &logits, &labels);
    EXPECT_EQ(count_correct(logits, labels), count_correct(to_cuda(logits), to_cuda(labels))) << N << "x" << K;
  }
}

TEST(CudaCountCorrect, AccumulatesIntoADeviceCounter) {
  REVIVE_SKIP_WITHOUT_CUDA();
  Tensor logits, labels;
  make_case(300, 10, 7, &logits, &labels);
  Tensor total = Tensor::zeros({1}, DType::kInt64, Device::cuda());
  const Tensor l = to_cuda(logits), y = to_cuda(labels);
  for (int i = 0; i < 3; ++i) count_correct_accumulate(total, l, y);
  EXPECT_EQ(total.to_vector<int64_t>()[0], 3 * count_correct(logits, labels));
}

}  // namespace
}  // namespace revive::kernels
