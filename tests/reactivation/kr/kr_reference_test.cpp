// Kernel Reactivation on tiny hand-worked layers (§3.2): C1, C2 and C3, the
// rescaled values, ties, counts that floor to zero, first convs of 1 and 3 input channels, 1x1 and
// depthwise layers, zero and tiny kernels. Every case runs the reference and the fast CPU path
// (kr_test::step_both), which must agree bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>

#include "tests/reactivation/kr/kr_test_util.h"

namespace revive {
namespace {

using kr_test::options_with;
using kr_test::step_both;
using kr_test::TinyNet;
using Kernels = std::vector<std::pair<int32_t, int32_t>>;

// ---------------------------------------------------------------------------------------------
// Two layers: conv A [4, 2, 1, 2] (two kernels of 2 weights) and a 1x1 conv B [2, 3, 1, 1].
//                                   kappa          L      average L1 (I_g)
//   f0 = [1, -1 | 0.5, 0.5]          2, 1         3      1.5
//   f1 = [0.1, 0.1 | 0.2, -0.2]      0.2, 0.4     0.6    0.3
//   f2 = [4, 0 | 0, 2]               4, 2         6      3
//   f3 = [0.25, 0 | 0, -0.5]         0.25, 0.5    0.75   0.375
//   f4 = [0.3 | -0.6 | 0.3]          .3, .6, .3   1.2    0.4
//   f5 = [2 | 1 | -3]                2, 1, 3      6      2
// alpha = beta = gamma = 0.5:
//   C1: floor(0.5 * 6) = 3 lowest averages: 0.3 (f1), 0.375 (f3), 0.4 (f4).
//   C2: floor(0.5 * 4) = 2 in A: f1 (0.6), f3 (0.75); floor(0.5 * 2) = 1 in B: f4 (1.2).
//   F = {f1, f3, f4}. C3: floor(0.5 * 2) = 1 kernel in A, floor(0.5 * 3) = 1 in B.
//   f1: best kernel 1 (0.4); kernel 0 scaled by 0.4 / 0.2 = 2 -> [0.2, 0.2].
//   f3: best kernel 1 (0.5); kernel 0 scaled by 2 -> [0.5, 0].
//   f4: best kernel 1 (0.6); kernels 0 and 2 tie at 0.3: kernel 0 (first) scaled by 2 -> 0.6.
// ---------------------------------------------------------------------------------------------
TinyNet two_layers() {
  TinyNet net;
  net.conv({4, 2, 1, 2}, {1, -1, 0.5f, 0.5f, 0.1f, 0.1f, 0.2f, -0.2f, 4, 0, 0, 2, 0.25f, 0, 0, -0.5f});
  net.bn(4);
  net.conv({2, 3, 1, 1}, {0.3f, -0.6f, 0.3f, 2, 1, -3});
  return net;
}

TEST(KrReference, SelectsAndRescalesTheHandWorkedLayers) {
  TinyNet net = two_layers();
  std::vector<float> want = net.arena;
  want[4] = 0.2f;   // f1 kernel 0
  want[5] = 0.2f;
  want[12] = 0.5f;  // f3 kernel 0 (0 stays 0)
  want[24] = 0.6f;  // f4 kernel 0 (after conv A's 16 weights and BN's 8)
  KrSelection sel;
  const KrReport r = step_both(net, options_with(0.5, 0.5, 0.5), kr_test::first_epoch(), &sel);
  kr_test::expect_same_bits(want, net.arena);
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.gamma, 0.5);
  EXPECT_EQ(r.filters, 6);
  EXPECT_EQ(r.c1_filters, 3);
  EXPECT_EQ(r.c2_filters, 3);
  EXPECT_EQ(r.invalid_filters, 3);
  EXPECT_EQ(r.invalid_kernels, 3);
  EXPECT_EQ(r.rescaled_kernels, 3);
  EXPECT_EQ(sel.invalid_filters, (std::vector<int32_t>{1, 3, 12}));  // f4 is table id 12: BN's 8 ids between
  EXPECT_EQ(sel.invalid_kernels, (Kernels{{1, 0}, {3, 0}, {12, 0}}));
}

TEST(KrReference, SkipOneByOneLeavesThe1x1LayerOutOfTheRankings) {
  // Without B, N = 4 and C1 keeps floor(0.5 * 4) = 2: f1 and f3, as before; B is untouched.
  TinyNet net = two_layers();
  KrOptions o = options_with(0.5, 0.5, 0.5);
  o.skip_1x1 = true;
  KrSelection sel;
  const KrReport r = step_both(net, o, kr_test::first_epoch(), &sel);
  EXPECT_EQ(r.filters, 4);
  EXPECT_EQ(sel.invalid_filters, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(net.arena[24], 0.3f);
}

TEST(KrReference, TiesKeepIndexOrderInEveryCondition) {
  // Two layers of two identical filters: every average L1 is 1. C1 keeps floor(0.75 * 4) = 3:
  // f0, f1 and f2 (ids ascending across layers); C2 keeps floor(0.5 * 2) = 1 per layer: f0 and
  // f2. Each filter's three kernels are equal; gamma = 1 selects min(3, 3 - 1) = 2 of them: the
  // best is the first (kernel 0), never selected; kernels 1 and 2 go, scaled by 1.
  TinyNet net;
  const std::vector<float> filter{1, -1, 1};
  std::vector<float> layer;
  for (int f = 0; f < 2; ++f) layer.insert(layer.end(), filter.begin(), filter.end());
  net.conv({2, 3, 1, 1}, layer);
  net.conv({2, 3, 1, 1}, layer);
  const std::vector<float> before = net.arena;
  KrSelection sel;
  const KrReport r = step_both(net, options_with(0.75, 0.5, 1.0), kr_test::first_epoch(), &sel);
  EXPECT_EQ(sel.invalid_filters, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(sel.invalid_kernels, (Kernels{{0, 1}, {0, 2}, {2, 1}, {2, 2}}));
  EXPECT_EQ(r.rescaled_kernels, 4);
  EXPECT_EQ(net.arena, before);  // R = 1
}

TEST(KrReference, BestKernelTiedWithAnotherIsTheFirst) {
  // kappa = [1, 3, 3, 0.5]: the best is kernel 1; gamma = 1 selects 3: kernels 3, 0, 2 in
  // ascending order (2 ties with the best and is scaled by 1).
  TinyNet net;
  net.conv({1, 4, 1, 1}, {1, -3, 3, 0.5f});
  KrSelection sel;
  const KrReport r = step_both(net, options_with(1, 1, 1), kr_test::first_epoch(), &sel);
  EXPECT_EQ(sel.invalid_kernels, (Kernels{{0, 3}, {0, 0}, {0, 2}}));
  EXPECT_EQ(r.rescaled_kernels, 3);
  EXPECT_EQ(net.arena, (std::vector<float>{3, -3, 3, 3}));
}

TEST(KrReference, KernelCountsFloorToZeroOrRoundAsAsked) {
  // A first conv of 3 input channels: floor(0.3 * 3) = 0 kernels, though the filter is invalid;
  // ceil and round make it 1 (0.9 rounds up): the smallest kernel, 0.5 -> 2 (R = 4).
  const auto run = [](KrRounding rounding, KrReport* report) {
    TinyNet net;
    net.conv({1, 3, 1, 2}, {0.25f, -0.25f, 1, 1, 0.5f, 0.5f});
    KrOptions o = options_with(1, 1, 0.3);
    o.rounding = rounding;
    *report = step_both(net, o);
    return net.arena;
  };
  KrReport r;
  EXPECT_EQ(run(KrRounding::kFloor, &r), (std::vector<float>{0.25f, -0.25f, 1, 1, 0.5f, 0.5f}));
  EXPECT_EQ(r.invalid_filters, 1);
  EXPECT_EQ(r.invalid_kernels, 0);
  const std::vector<float> one{1, -1, 1, 1, 0.5f, 0.5f};
  EXPECT_EQ(run(KrRounding::kCeil, &r), one);
  EXPECT_EQ(r.rescaled_kernels, 1);
  EXPECT_EQ(run(KrRounding::kRound, &r), one);
}

TEST(KrReference, FirstConvOfOneChannelHasNoKernelToRescale) {
  // One kernel per filter: it is its own best, so even gamma = 1 selects none (min(1, 1 - 1)).
  TinyNet net;
  net.conv({2, 1, 2, 2}, {0.1f, 0.2f, 0.3f, 0.4f, 1, 2, 3, 4});
  const std::vector<float> before = net.arena;
  const KrReport r = step_both(net, options_with(1, 1, 1));
  EXPECT_EQ(r.invalid_filters, 2);
  EXPECT_EQ(r.invalid_kernels, 0);
  EXPECT_EQ(net.arena, before);
}

TEST(KrReference, DepthwiseFiltersAreRankedButNeverRescaled) {
  // A depthwise conv [2, 1, 1, 2] (groups 2) before a conv [1, 2, 1, 2]:
  //   d0 = [0.1, 0.1] (average 0.2), d1 = [1, 1] (2), g = [0.2, 0.1 | 1, 1] (kappa 0.3, 2; average 1.15).
  // Ranked (the default), C1 with alpha = 0.5 keeps floor(1.5) = 1: d0, which has no kernel to
  // rescale: nothing changes. With rank_depthwise = false, N = 1 and floor(0.5) = 0 keeps
  // nothing; alpha = 1 keeps g, whose kernel 0 is scaled by 2 / 0.3.
  TinyNet net;
  net.conv({2, 1, 1, 2}, {0.1f, 0.1f, 1, 1}, 2);
  net.conv({1, 2, 1, 2}, {0.2f, 0.1f, 1, 1});
  const std::vector<float> before = net.arena;
  KrSelection sel;
  KrReport r = step_both(net, options_with(0.5, 1, 1), kr_test::first_epoch(), &sel);
  EXPECT_EQ(r.filters, 3);
  EXPECT_EQ(sel.invalid_filters, (std::vector<int32_t>{0}));
  EXPECT_EQ(r.invalid_kernels, 0);
  EXPECT_EQ(net.arena, before);

  KrOptions o = options_with(0.5, 1, 1);
  o.rank_depthwise = false;
  r = step_both(net, o);
  EXPECT_EQ(r.filters, 1);
  EXPECT_EQ(r.invalid_filters, 0);
  o.alpha = 1;
  r = step_both(net, o);
  EXPECT_EQ(r.invalid_filters, 1);
  EXPECT_EQ(r.rescaled_kernels, 1);
  const float factor = 2.0f / (0.2f + 0.1f);
  EXPECT_EQ(net.arena[4], 0.2f * factor);
  EXPECT_EQ(net.arena[5], 0.1f * factor);
  EXPECT_EQ(net.arena[6], 1.0f);
}

TEST(KrReference, ZeroAndTinyKernelsAreSkippedAndCounted) {
  // Kernels: zero (0), tiny (1e-45, whose factor 2 / 1e-45 overflows), 1 and the best, 2.
  TinyNet net;
  net.conv({1, 4, 1, 1}, {0, 1e-45f, 1, -2});
  const KrReport r = step_both(net, options_with(1, 1, 1));
  EXPECT_EQ(r.invalid_kernels, 3);
  EXPECT_EQ(r.skipped_zero_norm, 1);
  EXPECT_EQ(r.skipped_non_finite, 1);
  EXPECT_EQ(r.rescaled_kernels, 1);
  EXPECT_EQ(net.arena, (std::vector<float>{0, 1e-45f, 2, -2}));
}

TEST(KrReference, NanKernelsAreNeverWritten) {
  // A NaN kernel sorts last, so the first one is the best: every factor is NaN and every selected
  // kernel is skipped as non-finite. Five 1x1 kernels: the vector loop and its scalar tail.
  TinyNet net;
  net.conv({1, 5, 1, 1}, {1, NAN, 0.5f, NAN, 2});
  const KrReport r = step_both(net, options_with(1, 1, 1));
  EXPECT_EQ(r.invalid_kernels, 4);
  EXPECT_EQ(r.skipped_non_finite, 4);
  EXPECT_EQ(r.rescaled_kernels, 0);
  EXPECT_EQ(net.arena[0], 1.0f);
  EXPECT_EQ(net.arena[4], 2.0f);
}

TEST(KrReference, AlphaAsAnL1ThresholdKeepsTheFiltersBelowIt) {
  // Averages 1.5, 0.3, 3, 0.375 | 0.4, 2 (two_layers): alpha = 0.38 keeps f1 and f3 (0.375 < 0.38),
  // and C2 (beta = 1) keeps everything: F = {f1, f3}.
  TinyNet net = two_layers();
  KrOptions o = options_with(0.38, 1, 0.5);
  o.alpha_mode = KrAlphaMode::kL1Threshold;
  KrSelection sel;
  const KrReport r = step_both(net, o, kr_test::first_epoch(), &sel);
  EXPECT_EQ(sel.invalid_filters, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(r.c1_filters, 2);
}

TEST(KrReference, FilterSizeDivisorRanksByMeanMagnitude) {
  // A [1, 1, 1, 4] filter of L1 2 (average 2 over I_g = 1, mean |w| 0.5) beside a [1, 2, 1, 1]
  // one of L1 1.2 (average 0.6, mean 0.6). By I_g, C1 (alpha = 0.5) keeps the second; by the
  // filter size, the first.
  TinyNet net;
  net.conv({1, 1, 1, 4}, {0.5f, 0.5f, 0.5f, 0.5f});
  net.conv({1, 2, 1, 1}, {0.2f, 1});
  KrSelection by_channels, by_size;
  KrOptions o = options_with(0.5, 1, 1);
  step_both(net, o, kr_test::first_epoch(), &by_channels);
  o.avg_l1_divisor = KrAvgL1Divisor::kFilterSize;
  step_both(net, o, kr_test::first_epoch(), &by_size);
  EXPECT_EQ(by_channels.invalid_filters, (std::vector<int32_t>{1}));
  EXPECT_EQ(by_size.invalid_filters, (std::vector<int32_t>{0}));
}

TEST(KrReference, NothingChangesOutsideThePeriodButTheFractionsAreReported) {
  // Period 10: epoch 8 is not a step (9 epochs completed). Averages of two_layers below 1e-1: none.
  TinyNet net = two_layers();
  const std::vector<float> before = net.arena;
  KrOptions o = options_with(0.5, 0.5, 0.5);
  o.period = 10;
  ReactivationContext ctx = kr_test::first_epoch();
  ctx.epoch = 8;
  const KrReport r = step_both(net, o, ctx);
  EXPECT_FALSE(r.applied);
  EXPECT_EQ(r.invalid_filters, 0);
  EXPECT_EQ(r.steps_applied, 0);
  EXPECT_EQ(net.arena, before);
  EXPECT_EQ(r.conv_fraction_below[2], 0.0);
  ctx.epoch = 9;
  EXPECT_TRUE(step_both(net, o, ctx).applied);
}

TEST(KrReference, DeadFractionsCountAllConvFilters) {
  // Averages 0.0005, 0.005, 0.05 and 0.5 (one filter each; I_g = 1).
  TinyNet net;
  net.conv({4, 1, 1, 1}, {0.0005f, -0.005f, 0.05f, 0.5f});
  const KrReport r = step_both(net, options_with(0, 0, 0));
  EXPECT_EQ(r.conv_fraction_below, (std::array<double, 3>{0.25, 0.5, 0.75}));
}

}  // namespace
}  // namespace revive
