// The entropy of §2.4 against histograms counted by hand.
#include "reactivation/tensor_entropy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace revive {
namespace {

// -sum p ln p of a histogram, p = count / n, in double: the hand computation.
double entropy_of(const std::vector<int>& counts, int n) {
  double h = 0;
  for (int c : counts)
    if (c > 0) h -= (static_cast<double>(c) / n) * std::log(static_cast<double>(c) / n);
  return h;
}

TEST(TensorEntropy, SeveralCopiesOfTheMax) {
  // lo 1, hi 3, width 0.2f: the 1s fill bin 0, the 2 bin 5 (edge 5 rounds to exactly 2.0f), and
  // the three copies of the max fall in no bin.
  const std::vector<float> x{1, 1, 2, 3, 3, 3};
  EXPECT_NEAR(tensor_entropy(x.data(), 6), entropy_of({2, 1}, 6), 1e-6);
  float edges[kEntropyBins + 1];
  entropy_bin_edges(1.0f, 3.0f, edges);
  EXPECT_EQ(edges[5], 2.0f);
  EXPECT_EQ(edges[10], 3.0f);
  EXPECT_EQ(entropy_bin(3.0f, edges), kEntropyBins);
}

TEST(TensorEntropy, EntropyFromCountsIsTheFloat32SumInBinOrder) {
  const int64_t counts[kEntropyBins] = {3, 0, 1, 7, 0, 0, 2, 0, 0, 1};
  float h = 0.0f;
  for (int64_t c : counts) {
    if (c == 0) continue;
    const float p = static_cast<float>(c) / 14.0f;
    h = h - p * std::log(p);
  }
  EXPECT_EQ(entropy_from_bin_counts(counts, 14), h);
  EXPECT_NEAR(entropy_from_bin_counts(counts, 14), entropy_of({3, 1, 7, 2, 1}, 14), 1e-6);
}

TEST(TensorEntropy, ConstantEmptyAndSingleTensorsHaveNone) {
  const std::vector<float> constant(7, 0.25f);
  EXPECT_EQ(tensor_entropy(constant.data(), 7), 0.0f);
  const float one = 3.0f;
  EXPECT_EQ(tensor_entropy(&one, 1), 0.0f);
  EXPECT_EQ(tensor_entropy(nullptr, 0), 0.0f);
}

TEST(TensorEntropy, ElevenStepsFillTenBinsAndTheMaxFallsInNone) {
  // lo 0, hi 10, width 1: 0..9 one per bin, 10 in none (half-open bins): H = 10 (1/11) ln 11.
  std::vector<float> x;
  for (int i = 10; i >= 0; --i) x.push_back(static_cast<float>(i));
  int64_t counts[kEntropyBins];
  tensor_entropy_bins(x.data(), 11, counts);
  for (int b = 0; b < kEntropyBins; ++b) EXPECT_EQ(counts[b], 1) << "bin " << b;
  EXPECT_NEAR(tensor_entropy(x.data(), 11), 10.0 / 11.0 * std::log(11.0), 1e-6);
}

TEST(TensorEntropy, HandCountedHistograms) {
  // {0, 0, 0, 1}: three in bin 0, the max in none: H = -0.75 ln 0.75.
  const std::vector<float> a{0, 1, 0, 0};
  EXPECT_NEAR(tensor_entropy(a.data(), 4), -0.75 * std::log(0.75), 1e-6);
  // {0, 0.5, 0.5, 1}: 0 in bin 0, both halves in bin 5 (edge 0 + 5 * 0.1f rounds to 0.5): p = 1/4, 1/2.
  const std::vector<float> b{0.5f, 0, 1, 0.5f};
  int64_t counts[kEntropyBins];
  tensor_entropy_bins(b.data(), 4, counts);
  EXPECT_EQ(counts[0], 1);
  EXPECT_EQ(counts[5], 2);
  EXPECT_NEAR(tensor_entropy(b.data(), 4), -(0.25 * std::log(0.25) + 0.5 * std::log(0.5)), 1e-6);
  // Negative values: the range is the tensor's own.
  const std::vector<float> c{-2, -1, -2, -1};  // bin 0 holds the two -2s, -1 is the max: H = -0.5 ln 0.5
  EXPECT_NEAR(tensor_entropy(c.data(), 4), -0.5 * std::log(0.5), 1e-6);
}

TEST(TensorEntropy, FromCountsSkipsEmptyBins) {
  const int64_t counts[kEntropyBins] = {2, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  EXPECT_NEAR(entropy_from_bin_counts(counts, 4), std::log(2.0), 1e-6);
  EXPECT_EQ(entropy_from_bin_counts(counts, 0), 0.0f);
}

TEST(TensorEntropy, NanOrInfinityGivesZero) {
  const std::vector<float> nan{0, std::numeric_limits<float>::quiet_NaN(), 1, 2};
  EXPECT_EQ(tensor_entropy(nan.data(), 4), 0.0f);
  const std::vector<float> inf{0, std::numeric_limits<float>::infinity(), 1, 2};
  EXPECT_EQ(tensor_entropy(inf.data(), 4), 0.0f);
}

}  // namespace
}  // namespace revive
