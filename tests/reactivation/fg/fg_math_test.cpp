// FG's bin counts (the shared bins of reactivation/tensor_entropy.h, §2.4) on edge values of
// inexact widths and collapsed edges in every CPU loop, the min/max they take of a side run, the
// ring blend of every loop, the coefficient of §2.5 at known dH with numpy's rounding, the
// truncating counter blend, and the noise scions' normal draws.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "reactivation/fg/cpu/fg_cpu_parts.h"
#include "reactivation/fg/fg_coefficient.h"
#include "reactivation/fg/fg_noise.h"
#include "reactivation/tensor_entropy.h"

namespace revive {
namespace {

// The literal bin of §2.4: the b with edge_b <= x < edge_{b+1}, or none.
int literal_bin(float x, const float* edges) {
  for (int b = 0; b < kEntropyBins; ++b)
    if (x >= edges[b] && x < edges[b + 1]) return b;
  return kEntropyBins;
}

TEST(FgBins, EdgeValuesOfInexactWidthsGoWhereTheFloatEdgesPutThem) {
  // Ranges whose width (hi - lo) / 10 is not a float: each edge is lo + b*s rounded twice, and a
  // value on an edge, or one float below it, must land where those rounded edges say, which the
  // naive floor((x - lo) / s) gets wrong for some of them.
  const float ranges[][2] = {{0.0f, 1.0f}, {0.1f, 0.7f}, {-0.3f, 0.9f}, {1e6f, 1e6f + 3.0f}, {-1e-3f, 2e-3f}};
  int naive_wrong = 0, checked = 0;
  for (const auto& r : ranges) {
    float edges[kEntropyBins + 1];
    entropy_bin_edges(r[0], r[1], edges);
    std::vector<float> xs;
    for (int b = 0; b <= kEntropyBins; ++b) {
      for (float x : {edges[b], std::nextafter(edges[b], -INFINITY), std::nextafter(edges[b], INFINITY)}) {
        if (x < r[0] || x > r[1]) continue;
        ASSERT_EQ(entropy_bin(x, edges), literal_bin(x, edges)) << "range " << r[0] << ".." << r[1] << " x " << x;
        const float s = (r[1] - r[0]) / 10.0f;
        const int naive = std::min(kEntropyBins, static_cast<int>(std::floor((x - r[0]) / s)));
        naive_wrong += naive != literal_bin(x, edges) ? 1 : 0;
        xs.push_back(x);
        ++checked;
      }
    }
    // The CPU path's vector counts of the same values, with either loop.
    for (fg_cpu::FgIsa isa : {fg_cpu::FgIsa::kBest, fg_cpu::FgIsa::kAvx2, fg_cpu::FgIsa::kPortable}) {
      int64_t counts[kEntropyBins] = {};
      fg_cpu::bin_counts(xs.data(), static_cast<int64_t>(xs.size()), edges, counts, isa);
      for (int k = 0; k < kEntropyBins; ++k) {
        int64_t expected = 0;
        for (float x : xs) expected += literal_bin(x, edges) == k ? 1 : 0;
        EXPECT_EQ(counts[k], expected) << "range " << r[0] << ".." << r[1] << " bin " << k;
      }
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_GT(naive_wrong, 0) << "the cases should include values the naive formula misplaces";
}

TEST(FgBins, NanAndInfiniteRangesCountNothing) {
  float edges[kEntropyBins + 1];
  entropy_bin_edges(-1.0f, std::numeric_limits<float>::quiet_NaN(), edges);
  EXPECT_EQ(entropy_bin(0.0f, edges), kEntropyBins);
  entropy_bin_edges(-3e38f, 3e38f, edges);  // the width overflows: 0 * inf makes the first edge NaN
  EXPECT_EQ(entropy_bin(0.0f, edges), kEntropyBins);
  const std::vector<float> x{-3e38f, 0.0f, 1.0f, 3e38f};
  EXPECT_EQ(tensor_entropy(x.data(), 4), 0.0f);
  for (fg_cpu::FgIsa isa : {fg_cpu::FgIsa::kBest, fg_cpu::FgIsa::kAvx2, fg_cpu::FgIsa::kPortable}) {
    int64_t counts[kEntropyBins] = {};
    fg_cpu::bin_counts(x.data(), 4, edges, counts, isa);
    for (int64_t c : counts) EXPECT_EQ(c, 0);
  }
  const std::vector<float> with_nan{1.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f};
  EXPECT_EQ(tensor_entropy(with_nan.data(), 3), 0.0f);
  EXPECT_TRUE(std::isnan(fg_cpu::min_max(with_nan.data(), 3).lo));
}

TEST(FgBins, VectorCountsEqualPerElementBinsOnRandomRuns) {
  std::vector<float> x(1003);
  uint32_t state = 12345;
  for (float& v : x) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(state >> 8) / 16777216.0f * 2.0f - 1.0f;
  }
  x[17] = x[400] = x[401] = 1.0f;  // copies of the max
  const fg_cpu::MinMax mm = fg_cpu::min_max(x.data(), static_cast<int64_t>(x.size()));
  float edges[kEntropyBins + 1];
  entropy_bin_edges(mm.lo, mm.hi, edges);
  x[500] = std::numeric_limits<float>::quiet_NaN();  // in no bin, whichever loop meets it
  for (fg_cpu::FgIsa isa : {fg_cpu::FgIsa::kBest, fg_cpu::FgIsa::kAvx2, fg_cpu::FgIsa::kPortable}) {
    for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{4}, int64_t{8}, int64_t{17}, int64_t{1003}}) {
      int64_t fast[kEntropyBins] = {}, slow[kEntropyBins] = {};
      fg_cpu::bin_counts(x.data(), n, edges, fast, isa);
      for (int64_t i = 0; i < n; ++i)
        if (literal_bin(x[static_cast<size_t>(i)], edges) < kEntropyBins) ++slow[literal_bin(x[static_cast<size_t>(i)], edges)];
      for (int b = 0; b < kEntropyBins; ++b) EXPECT_EQ(fast[b], slow[b]) << "n " << n << " bin " << b;
    }
  }
}

TEST(FgBins, CollapsedEdgesAndConstantRunsInEveryLoop) {
  // Near 1e6 floats are 0.0625 apart, so the edges of a range 0.5 wide (s = 0.05) round onto that
  // grid and some coincide: their bins are empty, and an estimate from the offset is often off.
  const float lo = 1e6f, hi = 1e6f + 0.5f;
  float edges[kEntropyBins + 1];
  entropy_bin_edges(lo, hi, edges);
  std::vector<float> x;
  for (int i = 0; i < 77; ++i) x.push_back(lo + 0.0625f * static_cast<float>((i * 5) % 9));
  const std::vector<float> constant(37, 0.25f);
  float constant_edges[kEntropyBins + 1];
  entropy_bin_edges(0.25f, 0.25f, constant_edges);
  for (fg_cpu::FgIsa isa : {fg_cpu::FgIsa::kBest, fg_cpu::FgIsa::kAvx2, fg_cpu::FgIsa::kPortable}) {
    int64_t counts[kEntropyBins] = {}, expected[kEntropyBins] = {};
    fg_cpu::bin_counts(x.data(), static_cast<int64_t>(x.size()), edges, counts, isa);
    for (float v : x)
      if (literal_bin(v, edges) < kEntropyBins) ++expected[literal_bin(v, edges)];
    for (int b = 0; b < kEntropyBins; ++b) EXPECT_EQ(counts[b], expected[b]) << "bin " << b;
    int64_t none[kEntropyBins] = {};
    fg_cpu::bin_counts(constant.data(), static_cast<int64_t>(constant.size()), constant_edges, none, isa);
    for (int64_t c : none) EXPECT_EQ(c, 0);
  }
  int empty = 0;
  for (int b = 0; b < kEntropyBins; ++b) empty += edges[b] == edges[b + 1] ? 1 : 0;
  EXPECT_GT(empty, 0) << "the range should collapse some bins";
}

TEST(FgBins, MinMaxOfBothLoopsPropagateNan) {
  std::vector<float> x(203);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i) * 0.37f) * 3.0f;
  for (fg_cpu::FgIsa isa : {fg_cpu::FgIsa::kBest, fg_cpu::FgIsa::kAvx2, fg_cpu::FgIsa::kPortable}) {
    for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{8}, int64_t{9}, int64_t{64}, int64_t{203}}) {
      float lo = x[0], hi = x[0];
      for (int64_t i = 0; i < n; ++i) {
        lo = std::min(lo, x[static_cast<size_t>(i)]);
        hi = std::max(hi, x[static_cast<size_t>(i)]);
      }
      const fg_cpu::MinMax mm = fg_cpu::min_max(x.data(), n, isa);
      EXPECT_EQ(mm.lo, lo) << n;
      EXPECT_EQ(mm.hi, hi) << n;
    }
    for (size_t at : {size_t{0}, size_t{5}, size_t{100}, size_t{202}}) {  // in the vectors and in the tail
      std::vector<float> y = x;
      y[at] = std::numeric_limits<float>::quiet_NaN();
      const fg_cpu::MinMax mm = fg_cpu::min_max(y.data(), static_cast<int64_t>(y.size()), isa);
      EXPECT_TRUE(std::isnan(mm.lo) && std::isnan(mm.hi)) << at;
    }
  }
}

TEST(FgBins, MinMaxOfTheSideRunEqualsMinMaxAndLeavesTheCounts) {
  // bin_counts' side run (the next wave's chunk, min/max'ed in the counting loop) of every length
  // beside counted runs shorter and longer than it, with a NaN side, and under NaN edges (nothing
  // counted, the side still min/max'ed).
  std::vector<float> x(517), side(301);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i) * 0.71f);
  for (size_t i = 0; i < side.size(); ++i) side[i] = std::cos(static_cast<float>(i) * 0.29f) * 5.0f;
  side[290] = 7.5f;  // the max in the tail of a long side run
  float edges[kEntropyBins + 1], nan_edges[kEntropyBins + 1];
  entropy_bin_edges(-1.0f, 1.0f, edges);
  entropy_bin_edges(std::numeric_limits<float>::quiet_NaN(), 1.0f, nan_edges);
  std::vector<float> nan_side = side;
  nan_side[40] = std::numeric_limits<float>::quiet_NaN();
  for (fg_cpu::FgIsa isa : {fg_cpu::FgIsa::kBest, fg_cpu::FgIsa::kAvx2, fg_cpu::FgIsa::kPortable}) {
    for (int64_t n : {int64_t{5}, int64_t{16}, int64_t{48}, int64_t{517}}) {
      for (int64_t side_n : {int64_t{1}, int64_t{15}, int64_t{16}, int64_t{33}, int64_t{301}}) {
        SCOPED_TRACE("n " + std::to_string(n) + " side " + std::to_string(side_n));
        int64_t alone[kEntropyBins] = {}, fused[kEntropyBins] = {};
        fg_cpu::bin_counts(x.data(), n, edges, alone, isa);
        fg_cpu::MinMax mm{};
        fg_cpu::bin_counts(x.data(), n, edges, fused, isa, side.data(), side_n, &mm);
        for (int b = 0; b < kEntropyBins; ++b) EXPECT_EQ(fused[b], alone[b]) << "bin " << b;
        const fg_cpu::MinMax want = fg_cpu::min_max(side.data(), side_n, fg_cpu::FgIsa::kPortable);
        EXPECT_EQ(mm.lo, want.lo);
        EXPECT_EQ(mm.hi, want.hi);
        fg_cpu::bin_counts(x.data(), n, edges, fused, isa, nan_side.data(), side_n, &mm);
        if (side_n > 40) {
          EXPECT_TRUE(std::isnan(mm.lo) && std::isnan(mm.hi));
        }
        int64_t none[kEntropyBins] = {};
        mm = {};
        fg_cpu::bin_counts(x.data(), n, nan_edges, none, isa, side.data(), side_n, &mm);
        for (int64_t c : none) EXPECT_EQ(c, 0);
        EXPECT_EQ(mm.lo, want.lo);
        EXPECT_EQ(mm.hi, want.hi);
      }
    }
  }
}

TEST(FgAlpha, FollowsTheFormulaAndRoundsAsNumpy) {
  FgOptions paper = fg_preset("paper"), reference = fg_preset("reference");
  const double pi = 3.141592653589793;
  EXPECT_EQ(fg_alpha(0.0, paper), 0.5);
  EXPECT_EQ(fg_alpha(0.0, reference), 0.5);
  for (double dh : {1e-4, 1e-3, -2.5e-3, 0.01, -0.3, 2.0}) {
    const double w = 0.4 / pi * std::atan(500.0 * dh) + 0.5;
    EXPECT_EQ(fg_alpha(dh, paper), w) << dh;
    EXPECT_EQ(fg_alpha(dh, reference), std::nearbyint(w * 100.0) / 100.0) << dh;
  }
  EXPECT_EQ(fg_alpha(1e-3, reference), 0.56);  // 0.5 + 0.4/pi atan(0.5) = 0.55903
  EXPECT_EQ(fg_alpha(2.0, reference), 0.7);    // saturated: 0.69975
  EXPECT_EQ(fg_alpha(-2.0, reference), 0.3);
  // Odd in dH: the N = 2 coefficients add up to one (§2.5), and their float factors swap.
  EXPECT_EQ(fg_alpha(-1e-3, reference), 0.44);
  EXPECT_EQ(fg_blend_weights(0.44).self, fg_blend_weights(0.56).scion);
  EXPECT_EQ(fg_blend_weights(0.44).scion, fg_blend_weights(0.56).self);
  // numpy's around: rint(w 100) / 100 with ties to even (Python's own round() would be correctly
  // rounded instead and give 2.67 for 2.675, which is 2.67499999...: 267.49999... * 100 is 267.5).
  EXPECT_EQ(fg_round(0.125, 2), 0.12);
  EXPECT_EQ(fg_round(0.375, 2), 0.38);
  EXPECT_EQ(fg_round(2.675, 2), 2.68);
  EXPECT_EQ(fg_round(0.55903, -1), 0.55903);
  // A non-finite criterion keeps the network's own values.
  EXPECT_TRUE(fg_skipped(fg_alpha(std::nan(""), paper)));
  const FgBlendWeights keep = fg_blend_weights(std::nan(""));
  EXPECT_EQ(fg_blend(-2.0f, INFINITY, keep), -2.0f);
}

TEST(FgBlend, RingOfEveryLoopEqualsPerElementBlends) {
  // Runs of several lengths (vector bodies and tails) of 2, 3 and 5 networks, one of them skipped
  // (weights {1, 0}) and holding an infinity, which the skip must keep and its successor take.
  for (int n : {2, 3, 5}) {
    for (int64_t len : {int64_t{1}, int64_t{5}, int64_t{16}, int64_t{37}, int64_t{100}}) {
      std::vector<std::vector<float>> before(static_cast<size_t>(n));
      std::vector<FgBlendWeights> w;
      for (int k = 0; k < n; ++k) {
        for (int64_t i = 0; i < len; ++i)
          before[static_cast<size_t>(k)].push_back(std::sin(static_cast<float>(k * 131 + i) * 0.7f) * 2.0f);
        w.push_back(k == 1 ? fg_blend_weights(std::nan("")) : fg_blend_weights(0.3 + 0.1 * k));
      }
      before[1][static_cast<size_t>(len / 2)] = INFINITY;
      for (fg_cpu::FgIsa isa : {fg_cpu::FgIsa::kBest, fg_cpu::FgIsa::kAvx2, fg_cpu::FgIsa::kPortable}) {
        std::vector<std::vector<float>> x = before;
        std::vector<float*> rows;
        for (auto& r : x) rows.push_back(r.data());
        fg_cpu::blend_ring(rows.data(), n, len, w.data(), isa);
        for (int k = 0; k < n; ++k) {
          const auto& self = before[static_cast<size_t>(k)];
          const auto& scion = before[static_cast<size_t>((k + n - 1) % n)];
          for (int64_t i = 0; i < len; ++i) {
            const float expected = fg_blend(self[static_cast<size_t>(i)], scion[static_cast<size_t>(i)], w[static_cast<size_t>(k)]);
            const float got = x[static_cast<size_t>(k)][static_cast<size_t>(i)];
            ASSERT_EQ(std::memcmp(&got, &expected, sizeof got), 0)
                << "n " << n << " len " << len << " network " << k << " element " << i << ": " << got << " vs " << expected;
          }
        }
      }
    }
  }
}

TEST(FgBlend, CounterIsBlendedInFloatAndTruncated) {
  // grafting.py: int64 * Python float is float32, written back by truncation.
  int decremented = 0;
  for (int64_t n = 1; n <= 2000; ++n) {
    for (double w : {0.3, 0.35, 0.56, 0.7}) {
      const FgBlendWeights bw = fg_blend_weights(w);
      const float y = static_cast<float>(n) * static_cast<float>(w) + static_cast<float>(n) * static_cast<float>(1.0 - w);
      const int64_t got = fg_blend_counter(n, n, bw);
      EXPECT_EQ(got, static_cast<int64_t>(std::trunc(y)));
      EXPECT_TRUE(got == n || got == n - 1) << n << " " << w;
      decremented += got == n - 1 ? 1 : 0;
    }
  }
  EXPECT_GT(decremented, 0) << "truncation should turn some n into n - 1 (§2.3)";
  // f32(0.35) + f32(0.65) = 0.99999997: 29 * 0.35f + 29 * 0.65f = 28.9999991 truncates to 28.
  EXPECT_EQ(fg_blend_counter(29, 29, fg_blend_weights(0.35)), 28);
  EXPECT_EQ(fg_blend_counter(100, 200, fg_blend_weights(0.5)), 150);
}

TEST(FgNoise, DrawsAreStandardNormalAndMatchTheLibraryFormula) {
  double sum = 0, sum_sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const float z = fg_noise_normal(42, 3, 1, 7, static_cast<uint32_t>(i));
    sum += z;
    sum_sq += static_cast<double>(z) * z;
    if (i < 2000) {
      const PhiloxBlock b = philox4x32(static_cast<uint32_t>(i), 7, 3, kFgNoiseTag | 1u, 42, 0);
      const double u1 = 1.0 - philox_uniform(b.v[0]), u2 = philox_uniform(b.v[1]);
      const double libm = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      ASSERT_NEAR(z, libm, 1e-6 * (1.0 + std::fabs(libm))) << i;
    }
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum_sq / n, 1.0, 0.02);
  EXPECT_NE(fg_noise_normal(42, 3, 1, 7, 5), fg_noise_normal(42, 4, 1, 7, 5));  // epochs differ
  EXPECT_NE(fg_noise_normal(42, 3, 1, 7, 5), fg_noise_normal(42, 3, 2, 7, 5));  // networks differ
}

TEST(FgNoise, LogAndCosineSeriesAreAccurate) {
  for (double u : {1.0, 0.999999, 0.75, 0.5, 0.3, 1e-3, 5.9604644775390625e-08})
    EXPECT_NEAR(fg_log_unit(u), std::log(u), 1e-12 * (1.0 + std::fabs(std::log(u)))) << u;
  for (int i = 0; i < 1000; ++i) {
    const double t = i / 1000.0;
    EXPECT_NEAR(fg_cos_turns(t), std::cos(6.283185307179586 * t), 1e-14) << t;
  }
}

}  // namespace
}  // namespace revive
