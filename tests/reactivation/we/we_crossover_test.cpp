#include "reactivation/we/we_crossover.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "reactivation/filter_norms.h"

namespace revive {
namespace {

using K = ReactivatableKind;
using Counts = std::array<WeCrossoverCounts, kNumReactivatableKinds>;

// Runs the crossover of one (dominant 0, inferior 1) pair of a single tensor holding `w`.
Counts cross(std::vector<float>& w, ReactivatableTensor t, const WeOptions& o) {
  t.offset = 0;
  const FilterTable table = FilterTable::build({t}, static_cast<int64_t>(w.size()));
  std::vector<float> l1(static_cast<size_t>(table.n_filters())), imp(l1.size());
  filter_norm_l1_cpu(table, w.data(), l1.data(), imp.data());
  WePairs pairs;
  pairs.dominant = {0};
  pairs.inferior = {1};
  Counts counts{};
  we_crossover_cpu(table, w.data(), l1.data(), pairs, o, counts);
  return counts;
}

ReactivatableTensor conv(Shape shape, int groups = 1) { return {"w", K::kConvWeight, 0, std::move(shape), groups, 0}; }

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(WeCrossover, PaperElementCrossoverOnePerSlice) {
  // conv [2, 2, 2, 2]: filter 0 dominant, filter 1 inferior, slices of 4 elements.
  std::vector<float> w{0.5f,  -2.0f, 2.0f, 1.0f,     // dominant slice 0: max |.| = 2, first at 1 -> l = -2
                       0.25f, 0.25f, -0.25f, 0.125f,  // dominant slice 1: max 0.25, first at 0 -> l = 0.25
                       0.3f,  -0.1f, 0.1f, 0.2f,      // inferior slice 0: min |.| 0.1, first at 1 -> m = -0.1
                       0.0f,  0.5f,  -0.0f, 0.0f};    // inferior slice 1: min 0 first at 0 -> m = 0
  const std::vector<float> before = w;
  const Counts c = cross(w, conv({2, 2, 2, 2}), we_preset("paper"));
  // Slice 0: alpha = 0.1 / 2.1 = 1/21, m' = (1/21)(-0.1) + (20/21)(-2) = -40.1 / 21.
  EXPECT_NEAR(w[9], -40.1 / 21, 1e-6);
  // Slice 1: alpha = 0 / 0.25 = 0, m' = l = 0.25, only at index 0.
  EXPECT_EQ(w[12], 0.25f);
  for (int i : {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 14, 15}) EXPECT_TRUE(same_bits(w[i], before[i])) << i;
  EXPECT_EQ(c[0].updated_elements, 2);
  EXPECT_EQ(c[0].skipped_zero_denominator, 0);
}

TEST(WeCrossover, ReferenceHarmonicWritesEveryElementEqualToM) {
  std::vector<float> w{0.5f,  -2.0f, 2.0f,  1.0f,    // l = -2
                       1.0f,  0.5f,  0.5f,  0.5f,    // l = 1
                       0.3f,  -0.1f, 0.1f,  0.2f,    // m = -0.1 (0.1 at index 2 is not equal to m)
                       0.25f, 0.5f,  0.25f, -0.25f}; // m = 0.25 (first), equal at 0 and 2, not -0.25
  const Counts c = cross(w, conv({2, 2, 2, 2}), we_preset("reference"));
  // 2ml/(m+l): slice 0: 2(-0.1)(-2)/(-2.1) = -0.4/2.1; slice 1: 2(0.25)(1)/1.25 = 0.4.
  EXPECT_NEAR(w[9], -0.4 / 2.1, 1e-7);
  EXPECT_EQ(w[8], 0.3f);
  EXPECT_EQ(w[10], 0.1f);
  EXPECT_NEAR(w[12], 0.4, 1e-7);
  EXPECT_NEAR(w[14], 0.4, 1e-7);
  EXPECT_EQ(w[15], -0.25f);
  EXPECT_EQ(c[0].updated_elements, 3);
}

TEST(WeCrossover, ReferenceHarmonicKeepsZerosAndMatchesSignedZero) {
  // m = +0 (first of the equal-magnitude zeros): 2*0*l/(0+l) = 0 is written to every element == 0,
  // and -0 == +0 as in torch, so -0 becomes +0. (Kh = 4: a 1-high kernel would take the
  // filter-level blend in this preset.)
  std::vector<float> w{0.25f, 0.0f, 0.0f, 0.0f, 0.0f, 0.5f, -0.0f, 0.0f};
  const Counts c = cross(w, conv({2, 1, 4, 1}), we_preset("reference"));
  EXPECT_EQ(c[0].updated_elements, 3);
  EXPECT_TRUE(same_bits(w[6], 0.0f));
  EXPECT_EQ(w[5], 0.5f);
}

TEST(WeCrossover, ZeroDenominatorsAreSkippedAndCounted) {
  // Paper: |m| + |l| = 0 (both slices all zero). Reference: m + l = 0.
  std::vector<float> w{0.0f, 0.0f, 0.5f, 0.0f, 0.0f, -0.0f, -0.5f, 0.7f};  // [2, 2, 2, 1]
  std::vector<float> before = w;
  Counts c = cross(w, conv({2, 2, 2, 1}), we_preset("paper"));
  EXPECT_EQ(c[0].skipped_zero_denominator, 1);  // slice 0; slice 1: m = -0.5, l = 0.5 -> alpha 0.5, 0
  EXPECT_EQ(c[0].updated_elements, 1);
  EXPECT_EQ(w[6], 0.0f);
  w = before;
  c = cross(w, conv({2, 2, 2, 1}), we_preset("reference"));
  EXPECT_EQ(c[0].skipped_zero_denominator, 2);  // slice 0: 0 + 0; slice 1: -0.5 + 0.5
  EXPECT_EQ(c[0].updated_elements, 0);
  EXPECT_EQ(w, before);
  // harmonic_eps: |m + l| = 1e-4 is skipped with eps 1e-3 and written (huge but finite) with 0.
  const std::vector<float> near{-0.4999f, 0.0f, 0.5f, 0.9f};  // [2, 1, 2, 1]: l = -0.4999, m = 0.5
  WeOptions o = we_preset("reference");
  o.harmonic_eps = 1e-3;
  std::vector<float> a = near;
  EXPECT_EQ(cross(a, conv({2, 1, 2, 1}), o)[0].skipped_zero_denominator, 1);
  o.harmonic_eps = 0;
  a = near;
  EXPECT_EQ(cross(a, conv({2, 1, 2, 1}), o)[0].updated_elements, 1);
  const double l = -0.4999f;
  EXPECT_NEAR(a[2], 2.0 * 0.5 * l / (0.5 + l), 1e-2);
}

TEST(WeCrossover, NonFiniteResultsAreSkippedAndCounted) {
  // Paper with l = +Inf: alpha = 0, m' = Inf; l = NaN (NaN sorts as the largest magnitude).
  std::vector<float> w{INFINITY, 1.0f, std::nanf(""), 1.0f, 0.5f, 0.25f, 0.5f, 0.25f};  // [2, 2, 1, 2]
  std::vector<float> before = w;
  Counts c = cross(w, conv({2, 2, 1, 2}), we_preset("paper"));
  EXPECT_EQ(c[0].skipped_non_finite, 2);
  EXPECT_EQ(c[0].updated_elements, 0);
  EXPECT_TRUE(same_bits(w[5], before[5]) && same_bits(w[7], before[7]));
  // Reference with m = 3e38, l = -2.9999e38: 2ml/(m+l) overflows float.
  w = {-2.9999e38f, 0.0f, 3e38f, 3e38f};
  c = cross(w, conv({2, 1, 2, 1}), we_preset("reference"));
  EXPECT_EQ(c[0].skipped_non_finite, 1);
  EXPECT_EQ(w[2], 3e38f);
}

TEST(WeCrossover, FilterLevelBlendOnDepthwiseConvs) {
  // Depthwise [2, 1, 2, 2], groups 2: dominant {1, -2, 0.5, 0.5} (L1 4), inferior
  // {0.1, 0.3, -0.2, 0.4} (L1 1). Element: one element (m = 0.1 at 0, l = -2 at 1):
  // alpha = 0.1 / 2.1, m' = (0.01 - 4) / 2.1 = -3.99 / 2.1 = -1.9.
  const std::vector<float> init{1.0f, -2.0f, 0.5f, 0.5f, 0.1f, 0.3f, -0.2f, 0.4f};
  WeOptions o = we_preset("paper");
  std::vector<float> w = init;
  EXPECT_EQ(cross(w, conv({2, 1, 2, 2}, 2), o)[0].updated_elements, 1);
  EXPECT_NEAR(w[4], -1.9, 1e-6);
  EXPECT_EQ(w[5], 0.3f);
  // Filter level (§1.6a): alpha = 1 / (1 + 4) = 0.2, W[i] <- 0.2 W[i] + 0.8 W[d].
  o.filter_level_blend = WeFilterLevelBlend::kDepthwise;
  w = init;
  EXPECT_EQ(cross(w, conv({2, 1, 2, 2}, 2), o)[0].updated_elements, 4);
  const double expect[4] = {0.02 + 0.8, 0.06 - 1.6, -0.04 + 0.4, 0.08 + 0.4};
  for (int e = 0; e < 4; ++e) EXPECT_NEAR(w[4 + e], expect[e], 1e-6) << e;
  // kernel_1x1 (the reference preset's): Kh = 2 here, so element crossover as in the first case.
  o.filter_level_blend = WeFilterLevelBlend::kKernel1x1;
  w = init;
  EXPECT_EQ(cross(w, conv({2, 1, 2, 2}, 2), o)[0].updated_elements, 1);
  EXPECT_NEAR(w[4], -1.9, 1e-6);
}

TEST(WeCrossover, OneByOneConvChangesEveryElement) {
  // [2, 3, 1, 1]: every slice is one element, so m and l are the elements themselves:
  // (m, l) = (0.1, 1) -> (0.1 * 0.1 + 1 * 1) / 1.1 = 1.01 / 1.1;
  // (-0.2, 0.5) -> (0.2 * -0.2 + 0.5 * 0.5) / 0.7 = 0.21 / 0.7 = 0.3; (0, -3) -> -3.
  std::vector<float> w{1.0f, 0.5f, -3.0f, 0.1f, -0.2f, 0.0f};
  const Counts c = cross(w, conv({2, 3, 1, 1}), we_preset("paper"));
  EXPECT_EQ(c[0].updated_elements, 3);
  EXPECT_NEAR(w[3], 1.01 / 1.1, 1e-6);
  EXPECT_NEAR(w[4], 0.3, 1e-6);
  EXPECT_EQ(w[5], -3.0f);
  // With kernel_1x1 the 1x1 layer takes the filter-level blend: alpha = 0.3 / (0.3 + 4.5) = 1/16.
  WeOptions o = we_preset("paper");
  o.filter_level_blend = WeFilterLevelBlend::kKernel1x1;
  w = {1.0f, 0.5f, -3.0f, 0.1f, -0.2f, 0.0f};
  cross(w, conv({2, 3, 1, 1}), o);
  EXPECT_NEAR(w[3], (0.1 + 15 * 1.0) / 16, 1e-6);
  EXPECT_NEAR(w[5], (15 * -3.0) / 16, 1e-6);
}

TEST(WeCrossover, FixedAlpha) {
  // Eq. 5 with alpha fixed at 0.25: m' = 0.25 m + 0.75 l; alpha = 1 leaves the value unchanged.
  const std::vector<float> init{0.5f, -2.0f, 0.3f, -0.1f};  // [2, 1, 1, 2]: l = -2, m = -0.1
  WeOptions o = we_preset("paper");
  o.alpha_fixed = true;
  o.alpha = 0.25;
  std::vector<float> w = init;
  cross(w, conv({2, 1, 1, 2}), o);
  EXPECT_NEAR(w[3], 0.25 * -0.1 + 0.75 * -2.0, 1e-6);
  o.alpha = 1;
  w = init;
  cross(w, conv({2, 1, 1, 2}), o);
  EXPECT_EQ(w, init);
  // Fixed alpha also replaces the filter-level and the BN alpha; with it nothing can be 0/0.
  o.alpha = 0;
  o.level = WeLevel::kFilter;
  w = {0.0f, 0.0f, 0.0f, 0.0f};
  const Counts c = cross(w, conv({2, 1, 1, 2}), o);
  EXPECT_EQ(c[0].skipped_zero_denominator, 0);
  EXPECT_EQ(c[0].updated_elements, 2);
  std::vector<float> g{2.0f, 0.5f};
  cross(g, {"g", K::kBnGamma, 0, {2}, 1, 0}, o);
  EXPECT_EQ(g[1], 2.0f);
}

TEST(WeCrossover, FilterLevelBlendForEveryConvWithLevelFilter) {
  // Filter-level-GL (Table 7) on [2, 2, 1, 2]: L1(W[i]) = 0.4, L1(W[d]) = 4 -> alpha = 1/11,
  // W[i] <- (W[i] + 10 W[d]) / 11.
  std::vector<float> w{1.0f, -1.0f, 0.5f, 1.5f, 0.1f, -0.1f, 0.2f, 0.0f};
  WeOptions o = we_preset("paper");
  o.level = WeLevel::kFilter;
  Counts c = cross(w, conv({2, 2, 1, 2}), o);
  EXPECT_EQ(c[0].updated_elements, 4);
  const double expect[4] = {10.1 / 11, -10.1 / 11, 5.2 / 11, 15.0 / 11};
  for (int e = 0; e < 4; ++e) EXPECT_NEAR(w[4 + e], expect[e], 1e-6) << e;
  // Both filters all zero: one skipped filter, nothing written.
  w.assign(8, 0.0f);
  c = cross(w, conv({2, 2, 1, 2}), o);
  EXPECT_EQ(c[0].skipped_zero_denominator, 1);
  EXPECT_EQ(c[0].updated_elements, 0);
}

TEST(WeCrossover, BnScalars) {
  // §1.6c: alpha = |x_i| / (|x_i| + |x_d|) = 0.5 / 2 = 0.25; x_i' = 0.125 - 1.125 = -1.
  // The reference preset uses the same formula for BN (we.py:292-297).
  for (const char* preset : {"paper", "reference"}) {
    std::vector<float> g{-1.5f, 0.5f};
    const Counts c = cross(g, {"g", K::kBnGamma, 0, {2}, 1, 0}, we_preset(preset));
    EXPECT_EQ(g[1], -1.0f) << preset;
    EXPECT_EQ(c[1].updated_elements, 1);
  }
  std::vector<float> b{0.0f, -0.0f};
  const Counts c = cross(b, {"b", K::kBnBeta, 0, {2}, 1, 0}, we_preset("paper"));
  EXPECT_EQ(c[2].skipped_zero_denominator, 1);
  EXPECT_EQ(c[2].updated_elements, 0);
}

}  // namespace
}  // namespace revive
