// CPU convolution routes (kernels/cpu/conv_routes.h): every route against the double reference on
// odd shapes, pinned one at a time; the measured choice takes a candidate and runs it; the fixed
// modes follow their rules; pins win over the cache and give way, with a warning, where their
// route does not apply.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "kernels/conv2d.h"
#include "kernels/cpu/avx2/cpu_features.h"
#include "kernels/cpu/avx512/cpu_features.h"
#include "kernels/cpu/conv2d_cpu.h"
#include "kernels/cpu/conv_route_cache.h"
#include "kernels/cpu/conv_route_table.h"
#include "kernels/cpu/host_cpu.h"
#include "kernels/layout.h"
#include "support/tensor_utils.h"

namespace revive::kernels::cpu {
namespace {

using testing::Vec;

struct Case {
  int64_t N, C, H, W, K;
  int stride, pad;
};

// 1 and 3 channels, channel counts that are not multiples of 16 (or of 8), odd and non-square
// images, a single pixel, stride 1 and 2, padding 0 and 1; and the shapes each of revive's routes
// needs (3x3 stride-1 pad-1 with multiples of 8 or 16 channels, equal widths).
const Case kCases[] = {
    {2, 1, 7, 9, 8, 1, 1},   {2, 1, 8, 8, 16, 2, 0},  {2, 3, 9, 7, 16, 1, 0},  {2, 3, 10, 10, 24, 2, 1},
    {2, 16, 7, 7, 32, 1, 1}, {2, 32, 5, 9, 16, 1, 1}, {2, 24, 6, 5, 48, 1, 1}, {2, 16, 9, 9, 16, 2, 1},
    {1, 48, 3, 3, 48, 1, 0}, {2, 64, 1, 1, 64, 1, 1}, {2, 8, 5, 6, 8, 1, 1},   {3, 5, 6, 7, 10, 1, 1},
    // The Winograd GEMMs' blockings: 64 tiles of F(4x4, 3x3) in blocks of 16 and of 8 (3 panels of
    // output channels: 2 at once, then 1), images not a multiple of the tile; 4 tiles by 4 panels.
    {1, 16, 30, 29, 48, 1, 1}, {2, 16, 8, 8, 64, 1, 1},
};

// How far a route may be from the double reference, as a fraction of the largest |reference|
// value. Direct routes and revive's F(2x2, 3x3) tiles round like float sums of up to 64 x 9
// products: the largest error over these cases was below 4e-7 for every one of them. oneDNN's
// Winograd kernel is F(4x4, 3x3), whose transforms multiply by up to 8 before the products and
// divide after: its largest error was about 3e-6, and that of revive's F(4x4, 3x3) tiles about
// 3.2e-6 in every pass. Each bound leaves a margin of five or more.
double tolerance(ConvRoute r) {
  return r == ConvRoute::kOneDnnWinograd || r == ConvRoute::kWinogradF4Avx512 ? 2e-5 : 2e-6;
}

Conv2dParams params_of(const Case& c) {
  Conv2dParams p;
  p.stride_h = p.stride_w = c.stride;
  p.pad_h = p.pad_w = c.pad;
  return p;
}

double scaled_error(const Vec& ref, const Tensor& got) {
  const Vec g = testing::to_vec(got);
  double err = 0, scale = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    err = std::max(err, std::abs(g[i] - ref[i]));
    scale = std::max(scale, std::abs(ref[i]));
  }
  return err / std::max(scale, 1e-30);
}

// The routes this host offers somewhere: what the sweep below must have run.
std::set<ConvRoute> host_routes() {
  std::set<ConvRoute> r{ConvRoute::kOneDnnDirect, ConvRoute::kOneDnnDirectAsBackwardData};
  if (avx2::cpu_has_avx2_fma()) r.insert({ConvRoute::kWinogradAvx2, ConvRoute::kSingleChannel});
  if (avx512::cpu_has_avx512()) r.insert({ConvRoute::kWinogradAvx512, ConvRoute::kWinogradF4Avx512});
  // oneDNN has Winograd kernels for AVX-512 hosts only.
  if (cpu_isa().rfind("avx512_core", 0) == 0) r.insert(ConvRoute::kOneDnnWinograd);
  return r;
}

class ConvRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("revive_conv_routes_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    setenv("XDG_CACHE_HOME", dir_.c_str(), 1);
    forget_route_cache();
    reset_conv_routes();
    set_conv_route_mode(ConvRouteMode::kAuto);
  }
  void TearDown() override {
    reset_conv_routes();
    forget_route_cache();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(ConvRoutes, EveryRouteMatchesTheReferenceOnOddShapes) {
  const std::pair<Layout, Layout> layouts[] = {{Layout::kPlain, Layout::kPlain},
                                               {Layout::kBlocked8, Layout::kBlocked8},
                                               {Layout::kBlocked16, Layout::kBlocked16},
                                               {Layout::kPlain, Layout::kBlocked8},
                                               {Layout::kPlain, Layout::kBlocked16}};
  std::set<ConvRoute> ran;
  unsigned seed = 1;
  for (const Case& c : kCases) {
    const Conv2dParams p = params_of(c);
    const Shape xs{c.N, c.C, c.H, c.W}, ws{c.K, c.C, 3, 3};
    const Conv2dShape s = conv2d_shape(xs, ws, p);
    const Shape ys{s.N, s.K, s.P, s.Q};
    const Tensor x = testing::random_tensor(xs, seed++), w = testing::random_tensor(ws, seed++);
    const Tensor dy = testing::random_tensor(ys, seed++);
    const Vec xv = testing::to_vec(x), wv = testing::to_vec(w), dyv = testing::to_vec(dy);
    Vec y_ref(static_cast<size_t>(shape_numel(ys))), dx_ref(xv.size()), dw_ref(wv.size(), 0.0);
    conv2d_forward_ref<double>(y_ref.data(), xv.data(), wv.data(), nullptr, s, p);
    conv2d_backward_data_ref<double>(dx_ref.data(), dyv.data(), wv.data(), s, p);
    conv2d_backward_weights_ref<double>(dw_ref.data(), nullptr, xv.data(), dyv.data(), s, p);
    for (const auto& [xl, yl] : layouts) {
      const Tensor xb = to_layout(x, xl), dyb = to_layout(dy, yl);
      const std::pair<ConvPass, std::pair<Layout, Layout>> passes[] = {{ConvPass::kForward, {xl, yl}},
                                                                       {ConvPass::kBackwardData, {yl, xl}},
                                                                       {ConvPass::kBackwardWeights, {xl, yl}}};
      for (const auto& [pass, io] : passes) {
        const ConvRouteKey key = conv_route_key(pass, s, p, io.first, io.second, false);
        for (ConvRoute r : conv_route_candidates(pass, s, p, io.first, io.second, false)) {
          SCOPED_TRACE(describe_key(key) + " on " + route_name(r));
          pin_conv_routes({{key, r}});
          const uint64_t runs = conv_route_runs(r);
          double err = 0;
          if (pass == ConvPass::kForward) {
            err = scaled_error(y_ref, conv2d_forward(xb, w, Tensor(), p, yl));
          } else if (pass == ConvPass::kBackwardData) {
            err = scaled_error(dx_ref, conv2d_backward_data(dyb, w, xs, xl, p));
          } else {
            Tensor dw = Tensor::zeros(ws);
            conv2d_backward_weights(dw, nullptr, xb, dyb, p);
            err = scaled_error(dw_ref, dw);
          }
          EXPECT_LE(err, tolerance(r));
          EXPECT_EQ(conv_route_runs(r), runs + 1) << "the pinned route did not run";
          ran.insert(r);
        }
      }
    }
  }
  for (ConvRoute r : host_routes()) EXPECT_EQ(ran.count(r), 1u) << route_name(r) << " never ran";
}

// A shape with several candidates on every x86-64 host: 3x3 stride-1 pad-1, 16 channels, the
// host's blocked layout.
struct Shared {
  Conv2dParams p = [] {
    Conv2dParams q;
    q.pad_h = q.pad_w = 1;
    return q;
  }();
  Tensor x = testing::random_tensor({4, 16, 8, 8}, 7, -1, 1, native_layout());
  Tensor w = testing::random_tensor({16, 16, 3, 3}, 8);
  Conv2dShape s = conv2d_shape(x.shape(), w.shape(), p);
  ConvRouteKey key = conv_route_key(ConvPass::kForward, s, p, x.layout(), native_layout(), false);
  std::vector<ConvRoute> candidates = conv_route_candidates(ConvPass::kForward, s, p, x.layout(), native_layout(), false);
  Tensor forward() const { return conv2d_forward(x, w, Tensor(), p, native_layout()); }
};

TEST_F(ConvRoutes, MeasuredChoiceIsACandidateAndIsTheRouteThatRuns) {
  const Shared sh;
  ASSERT_GE(sh.candidates.size(), 2u);
  std::vector<uint64_t> before;
  for (ConvRoute r : sh.candidates) before.push_back(conv_route_runs(r));
  sh.forward();
  const std::vector<RouteChoice> choices = conv_route_choices();
  ASSERT_EQ(choices.size(), 1u);
  const RouteChoice& c = choices[0];
  EXPECT_EQ(c.key, sh.key);
  EXPECT_EQ(c.source, RouteSource::kMeasured);
  EXPECT_NE(std::find(sh.candidates.begin(), sh.candidates.end(), c.route), sh.candidates.end());
  ASSERT_EQ(c.ms.size(), sh.candidates.size());
  double fastest = 1e300;
  for (size_t i = 0; i < c.ms.size(); ++i) {
    EXPECT_EQ(c.ms[i].first, sh.candidates[i]);
    EXPECT_GT(c.ms[i].second, 0.0);
    fastest = std::min(fastest, c.ms[i].second);
  }
  for (const auto& [r, ms] : c.ms) {
    if (r == c.route) {
      EXPECT_EQ(ms, fastest);
    }
  }
  // Each candidate ran for the timing (a warm-up, then twice in each round); the chosen one once
  // more, for the call itself.
  EXPECT_GE(c.rounds, kRouteTimingRounds);
  EXPECT_LE(c.rounds, kRouteTimingMaxRounds);
  for (size_t i = 0; i < sh.candidates.size(); ++i) {
    const uint64_t expected = 1 + 2 * static_cast<uint64_t>(c.rounds) + (sh.candidates[i] == c.route ? 1 : 0);
    EXPECT_EQ(conv_route_runs(sh.candidates[i]) - before[i], expected) << route_name(sh.candidates[i]);
  }
  // From now on only the chosen route runs.
  std::vector<uint64_t> now;
  for (ConvRoute r : sh.candidates) now.push_back(conv_route_runs(r));
  sh.forward();
  for (size_t i = 0; i < sh.candidates.size(); ++i) {
    EXPECT_EQ(conv_route_runs(sh.candidates[i]) - now[i], sh.candidates[i] == c.route ? 1u : 0u);
  }
  // The cache file has it: a new table (and a new process: the file re-read) takes it from there.
  EXPECT_TRUE(std::filesystem::exists(conv_route_cache_path()));
  for (bool reread : {false, true}) {
    reset_conv_routes();
    if (reread) forget_route_cache();
    sh.forward();
    ASSERT_EQ(conv_route_choices().size(), 1u);
    EXPECT_EQ(conv_route_choices()[0].source, RouteSource::kCache);
    EXPECT_EQ(conv_route_choices()[0].route, c.route);
  }
}

TEST_F(ConvRoutes, FixedModesFollowTheirRules) {
  const Shared sh;
  set_conv_route_mode(ConvRouteMode::kDirect);
  sh.forward();
  ASSERT_EQ(conv_route_choices().size(), 1u);
  EXPECT_FALSE(is_winograd(conv_route_choices()[0].route));
  EXPECT_EQ(conv_route_choices()[0].source, RouteSource::kRule);
  reset_conv_routes();
  set_conv_route_mode(ConvRouteMode::kWinograd);
  sh.forward();
  const bool tiles = sh.candidates.front() == ConvRoute::kWinogradAvx2 || sh.candidates.front() == ConvRoute::kWinogradAvx512;
  EXPECT_EQ(conv_route_choices()[0].route, tiles ? sh.candidates.front() : ConvRoute::kOneDnnDirect);
  EXPECT_FALSE(std::filesystem::exists(conv_route_cache_path())) << "fixed modes measure nothing";
}

TEST_F(ConvRoutes, APinWinsOverTheCacheAndGivesWayWhereItDoesNotApply) {
  const Shared sh;
  sh.forward();  // measured, and cached
  const ConvRoute cached = conv_route_choices()[0].route;
  const ConvRoute other = sh.candidates[sh.candidates.front() == cached ? 1 : 0];
  pin_conv_routes({{sh.key, other}});
  sh.forward();
  EXPECT_EQ(conv_route_choices()[0].route, other);
  EXPECT_EQ(conv_route_choices()[0].source, RouteSource::kPinned);
  // A route this shape cannot take (a record from another machine, or a hostile file).
  pin_conv_routes({{sh.key, ConvRoute::kSingleChannel}});
  ::testing::internal::CaptureStderr();
  sh.forward();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("does not run on this CPU"), std::string::npos) << err;
  EXPECT_EQ(conv_route_choices()[0].route, cached);
  EXPECT_EQ(conv_route_choices()[0].source, RouteSource::kCache);
}

}  // namespace
}  // namespace revive::kernels::cpu
