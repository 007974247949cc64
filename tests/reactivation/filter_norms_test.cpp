#include "reactivation/filter_norms.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/rng.h"

namespace revive {
namespace {

using K = ReactivatableKind;

TEST(FilterNorms, AverageL1PerFilterAndAbsForBn) {
  // conv [2, 2, 1, 2] (I_g = 2, divisor 2) at 0; gamma [3] at 8; beta [3] at 11.
  std::vector<float> arena{
      1.0f, -2.0f, 0.5f, 0.5f,    // filter 0: L1 = 1 + 2 + 0.5 + 0.5 = 4, average 4 / 2 = 2
      -0.25f, 0.0f, 0.0f, 0.75f,  // filter 1: L1 = 1, average 0.5
      -3.0f, 0.0f, 2.0f,          // gamma: |.| = 3, 0, 2
      0.5f, -0.125f, -0.0f};      // beta: 0.5, 0.125, +0
  const FilterTable table = FilterTable::build(
      {{"c", K::kConvWeight, 0, {2, 2, 1, 2}, 1, 0}, {"g", K::kBnGamma, 8, {3}, 1, 1}, {"b", K::kBnBeta, 11, {3}, 1, 1}},
      14);
  std::vector<float> l1(8), imp(8);
  filter_norm_l1_cpu(table, arena.data(), l1.data(), imp.data());
  EXPECT_EQ(l1, (std::vector<float>{4, 1, 3, 0, 2, 0.5f, 0.125f, 0}));
  EXPECT_EQ(imp, (std::vector<float>{2, 0.5f, 3, 0, 2, 0.5f, 0.125f, 0}));
  uint32_t bits;
  std::memcpy(&bits, &imp[7], 4);
  EXPECT_EQ(bits, 0u);  // |-0| is +0
}

TEST(FilterNorms, SummationOrderIsTheSixteenLaneTree) {
  // One depthwise-like filter of 17 elements: e0 = 2^24, e1..e16 = 1. Lane 0 holds e0 + e16 =
  // 2^24 + 1 -> 2^24 (round to even); lanes 1..15 hold 1. Tree: w=8: l0 = 2^24 + l8 = 2^24 (even),
  // l1..l7 = 2; w=4: l0 = 2^24 + 2, l1..l3 = 4; w=2: l0 = 2^24 + 2 + 4 = 2^24 + 6, l1 = 8; w=1:
  // 2^24 + 14 = 16777230. (Sequential summation gives 2^24, the exact sum is 2^24 + 16.)
  std::vector<float> arena(17, 1.0f);
  arena[0] = 16777216.0f;
  const FilterTable table = FilterTable::build({{"c", K::kConvWeight, 0, {1, 1, 1, 17}, 1, 0}}, 17);
  float l1 = 0, imp = 0;
  filter_norm_l1_cpu(table, arena.data(), &l1, &imp);
  EXPECT_EQ(l1, 16777230.0f);
  EXPECT_EQ(imp, 16777230.0f);
}

TEST(FilterNorms, EveryLengthGivesTheBitsOfTheLaneDefinition) {
  // The header's definition written out lane by lane, against the vectorised pass (the AVX2 loop
  // where this CPU has it, and the portable one), for every tail length and several full rounds;
  // values span many exponents so that the order shows in the bits. 11 filters: the AVX2 loop
  // takes them two at a time and divides eight at a time, so both leave a remainder.
  constexpr int64_t kFilters = 11;
  Rng rng(11);
  for (const FilterNormIsa isa : {FilterNormIsa::kBest, FilterNormIsa::kPortable}) {
    for (int64_t len = 1; len <= 70; ++len) {
      // Exactly the filters: the last one's tail ends at the end of the buffer.
      std::vector<float> arena(static_cast<size_t>(kFilters * len));
      for (float& x : arena) x = rng.normal() * std::ldexp(1.0f, static_cast<int>(rng.below(40)) - 20);
      const FilterTable table =
          FilterTable::build({{"c", K::kConvWeight, 0, {kFilters, len, 1, 1}, 1, 0}}, kFilters * len);
      float l1[kFilters], imp[kFilters];
      filter_norm_l1_cpu(table, arena.data(), l1, imp, isa);
      for (int f = 0; f < kFilters; ++f) {
        float lanes[kFilterNormLanes] = {};
        for (int64_t e = 0; e < len; ++e)
          lanes[e % kFilterNormLanes] += std::fabs(arena[static_cast<size_t>(f * len + e)]);
        const float expected = filter_norm_combine(lanes), expected_imp = expected / static_cast<float>(len);
        EXPECT_EQ(std::memcmp(&l1[f], &expected, 4), 0) << "length " << len << " filter " << f;
        EXPECT_EQ(std::memcmp(&imp[f], &expected_imp, 4), 0) << "length " << len << " filter " << f;
      }
    }
  }
}

TEST(FilterNorms, SameBitsForAnyThreadCount) {
  // A table big enough to be split over threads, with filters of several lengths.
  std::vector<ReactivatableTensor> t;
  int64_t off = 0;
  for (int layer = 0; layer < 12; ++layer) {
    const int64_t o = 8 + 8 * (layer % 3), i = 1 + 7 * (layer % 4);
    t.push_back({"c" + std::to_string(layer), K::kConvWeight, off, {o, i, 3, 3}, 1, 2 * layer});
    off += o * i * 9;
    t.push_back({"g" + std::to_string(layer), K::kBnGamma, off, {o}, 1, 2 * layer + 1});
    off += o;
  }
  std::vector<float> arena(static_cast<size_t>(off));
  Rng rng(3);
  for (float& x : arena) x = rng.normal();
  const FilterTable table = FilterTable::build(t, off);
  const size_t n = static_cast<size_t>(table.n_filters());
  std::vector<float> l1a(n), impa(n), l1b(n), impb(n);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  filter_norm_l1_cpu(table, arena.data(), l1a.data(), impa.data());
  omp_set_num_threads(2);
  filter_norm_l1_cpu(table, arena.data(), l1b.data(), impb.data());
  omp_set_num_threads(saved);
  EXPECT_EQ(std::memcmp(l1a.data(), l1b.data(), n * 4), 0);
  EXPECT_EQ(std::memcmp(impa.data(), impb.data(), n * 4), 0);
  // And close to a double-precision reference.
  const FilterTableLayers& L = table.layers();
  for (size_t f = 0; f < n; ++f) {
    const int layer = table.filters().layer[f];
    double s = 0;
    for (int32_t e = 0; e < L.filter_len[layer]; ++e) s += std::fabs(arena[table.filters().offset[f] + e]);
    ASSERT_NEAR(l1a[f], s, 1e-5 * s) << "filter " << f;
    ASSERT_FLOAT_EQ(impa[f], static_cast<float>(l1a[f] / L.divisor[layer]));
  }
}

TEST(FilterNorms, OverflowAndNanStayOrdered) {
  // Filters of huge values overflow to +Inf; a NaN element gives NaN: both legal importances.
  std::vector<float> arena{3e38f, 3e38f, 1.0f, std::nanf("")};
  const FilterTable table = FilterTable::build({{"c", K::kConvWeight, 0, {2, 2, 1, 1}, 1, 0}}, 4);
  float l1[2], imp[2];
  for (const FilterNormIsa isa : {FilterNormIsa::kBest, FilterNormIsa::kPortable}) {
    filter_norm_l1_cpu(table, arena.data(), l1, imp, isa);
    EXPECT_TRUE(std::isinf(l1[0]));
    EXPECT_TRUE(std::isnan(l1[1]));
  }
}

}  // namespace
}  // namespace revive
