// The readable FG step on tiny hand-made state dicts: ring order and simultaneity (grafts read
// pre-graft weights), the N = 2 identity of §2.5, and the variants of §2.7 (noise, internal
// and filter-level scions) against values worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "reactivation/fg/fg_coefficient.h"
#include "reactivation/fg/fg_noise.h"
#include "reactivation/fg/reference.h"
#include "support/fg_nets.h"

namespace revive {
namespace {

// A state dict built by hand: parameters get consecutive arena offsets, buffers none.
struct Tiny {
  std::vector<FgEntry> entries;
  nn::NamedTensorList state;
  int64_t numel = 0;

  void param(const std::string& name, const Shape& shape, const std::vector<float>& v) {
    entries.push_back({name, shape, DType::kFloat32, numel, 1});
    numel += shape_numel(shape);
    state.emplace_back(name, Tensor::from_vector(v, shape));
  }
  void buffer(const std::string& name, const Shape& shape, const std::vector<float>& v) {
    entries.push_back({name, shape, DType::kFloat32, -1, 1});
    state.emplace_back(name, Tensor::from_vector(v, shape));
  }
  void counter(const std::string& name, int64_t v) {
    entries.push_back({name, {}, DType::kInt64, -1, 1});
    state.emplace_back(name, Tensor::from_vector(std::vector<int64_t>{v}, {}));
  }
  std::vector<float> values(size_t i) const { return state[i].second.to_vector<float>(); }
};

FgOptions options(int models, FgVariant variant = FgVariant::kExternal) {
  FgOptions o = fg_preset("reference");
  o.models = models;
  o.variant = variant;
  return o;
}

TEST(FgReference, RingOrderAndSimultaneousUpdate) {
  // a = 0 makes every alpha 0.5: network k becomes the mean of itself and network k-1, both as they
  // were before the step. A sequential update would give network 1 (4 + 5) / 2 = 4.5, not 3.
  std::vector<Tiny> nets(3);
  const float w[3] = {2, 4, 8};
  const int64_t n[3] = {10, 20, 40};
  for (int k = 0; k < 3; ++k) {
    nets[k].param("conv.weight", {1, 1, 1, 2}, {w[k], w[k]});
    nets[k].counter("bn.num_batches_tracked", n[k]);
  }
  FgOptions o = options(3);
  o.a = 0;
  const FgLayout L = FgLayout::build(nets[0].entries, nets[0].numel, FgScope::kReference);
  std::vector<nn::NamedTensorList> states{nets[0].state, nets[1].state, nets[2].state};
  const FgReport r = fg_reference_step(L, states, o, 0, 0);
  const float expect_w[3] = {5, 3, 6};
  const int64_t expect_n[3] = {25, 15, 30};
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(nets[k].values(0), std::vector<float>(2, expect_w[k])) << k;
    EXPECT_EQ(nets[k].state[1].second.data<int64_t>()[0], expect_n[k]) << k;
    EXPECT_EQ(r.alpha[static_cast<size_t>(k)][0], 0.5);
    EXPECT_EQ(r.criterion_value[static_cast<size_t>(k)][0], 0.0f);  // constant tensors
  }
}

TEST(FgReference, AlphaComesFromBothNetworksPreGraftEntropies) {
  // Network 0: 0..9 fill the ten bins and 10 lies in none, H = (10/11) ln 11; network 1: constant.
  std::vector<Tiny> nets(2);
  std::vector<float> spread;
  for (int i = 0; i <= 10; ++i) spread.push_back(static_cast<float>(i));
  nets[0].param("c.weight", {11, 1, 1, 1}, spread);
  nets[1].param("c.weight", {11, 1, 1, 1}, std::vector<float>(11, 1.0f));
  const FgLayout L = FgLayout::build(nets[0].entries, nets[0].numel, FgScope::kReference);
  std::vector<nn::NamedTensorList> states{nets[0].state, nets[1].state};
  const FgReport r = fg_reference_step(L, states, options(2), 0, 0);
  EXPECT_NEAR(r.criterion_value[0][0], 10.0 / 11.0 * std::log(11.0), 1e-6);
  EXPECT_EQ(r.alpha[0][0], 0.7);  // dH = 2.18: saturated
  EXPECT_EQ(r.alpha[1][0], 0.3);
  for (int i = 0; i <= 10; ++i) {
    EXPECT_EQ(nets[0].values(0)[static_cast<size_t>(i)], static_cast<float>(i) * 0.7f + 1.0f * 0.3f);
    EXPECT_EQ(nets[1].values(0)[static_cast<size_t>(i)], 1.0f * 0.3f + static_cast<float>(i) * 0.7f);
  }
}

TEST(FgReference, TwoNetworksBecomeIdentical) {
  // alpha_2 = 1 - alpha_1 (§2.5): both networks end as the same blend, every tensor of them.
  for (const char* preset : {"paper", "reference"}) {
    for (FgCriterion criterion : {FgCriterion::kEntropy, FgCriterion::kL1}) {
      auto nets = testing::make_fg_nets("resnet20", 2, 5);
      FgOptions o = fg_preset(preset);
      o.criterion = criterion;
      const FgLayout L = fg_layout(*nets[0].model, *nets[0].arena, o.scope);
      fg_reference_step(L, testing::fg_states(nets), o, 3, 0);
      const auto a = nets[0].state(), b = nets[1].state();
      for (size_t i = 0; i < a.size(); ++i) {
        const Tensor& x = a[i].second;
        const Tensor& y = b[i].second;
        ASSERT_EQ(std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()), 0) << preset << " " << a[i].first;
      }
    }
  }
}

TEST(FgReference, NoiseScionsPerturbOnlyWeakFilters) {
  Tiny t;
  t.param("conv.weight", {3, 2, 1, 1}, {0.5f, -0.5f, 0.01f, 0.02f, 0.2f, 0.0f});
  t.param("bn.weight", {3}, {1, 1, 1});
  const std::vector<float> before = t.values(0);
  const FgLayout L = FgLayout::build(t.entries, t.numel, FgScope::kReference);
  const FgReport r = fg_reference_step(L, {t.state}, options(1, FgVariant::kNoise), 2, 7);
  const std::vector<float> after = t.values(0);
  const float sigma = static_cast<float>(std::pow(0.975, 2));
  for (int e = 0; e < 6; ++e) {
    const bool weak = e == 2 || e == 3;  // filter 1, L1 0.03 < 0.1
    const float expect = weak ? before[e] + fg_noise_normal(7, 2, 0, 0, static_cast<uint32_t>(e)) * sigma : before[e];
    EXPECT_EQ(after[static_cast<size_t>(e)], expect) << e;
  }
  EXPECT_EQ(r.rewritten_filters[0], 1);
  EXPECT_EQ(t.values(1), std::vector<float>(3, 1.0f));
}

TEST(FgReference, InternalScionsAddTheMirrorFilterUntilAFilterIsStrong) {
  // L1: f0 0.05, f1 1, f2 0.02, f3 2. Ascending: f2, f0, f1, f3: f2 += f3, f0 += f1, then f1 >= 0.1.
  Tiny t;
  t.param("conv.weight", {4, 1, 1, 2}, {0.05f, 0.0f, 0.5f, 0.5f, 0.01f, 0.01f, 1.0f, 1.0f});
  const FgLayout L = FgLayout::build(t.entries, t.numel, FgScope::kReference);
  FgReport r = fg_reference_step(L, {t.state}, options(1, FgVariant::kInternal), 0, 0);
  EXPECT_EQ(t.values(0), (std::vector<float>{0.05f + 0.5f, 0.5f, 0.5f, 0.5f, 0.01f + 1.0f, 0.01f + 1.0f, 1.0f, 1.0f}));
  EXPECT_EQ(r.rewritten_filters[0], 2);
  // All below theta: past the middle the sources are filters rewritten earlier in the same loop
  // (f1 receives itself, f2 receives the new f0).
  Tiny u;
  u.param("conv.weight", {3, 1, 1, 1}, {0.01f, 0.02f, 0.03f});
  const FgLayout L2 = FgLayout::build(u.entries, u.numel, FgScope::kReference);
  r = fg_reference_step(L2, {u.state}, options(1, FgVariant::kInternal), 0, 0);
  const float f0 = 0.01f + 0.03f;
  EXPECT_EQ(u.values(0), (std::vector<float>{f0, 0.02f + 0.02f, 0.03f + f0}));
  EXPECT_EQ(r.rewritten_filters[0], 3);
}

TEST(FgReference, FilterLevelGraftingWeighsChannelsByTheirGammas) {
  // conv a [2,1,1,1] -> bn [2] -> conv b [2,2,1,1] -> bn2 [2]. Gammas: bn (1, 0) and (3, 0): channel
  // 1 has |g| + |g'| = 0 and keeps its own values; bn2 (2, 2) and (2, 6).
  std::vector<Tiny> nets(2);
  const float gamma[2][2] = {{1, 0}, {3, 0}}, gamma2[2][2] = {{2, 2}, {2, 6}};
  for (int k = 0; k < 2; ++k) {
    const float s = static_cast<float>(k + 1);
    nets[k].param("a.weight", {2, 1, 1, 1}, {s, -s});
    nets[k].param("bn.weight", {2}, {gamma[k][0], gamma[k][1]});
    nets[k].param("bn.bias", {2}, {s, 2 * s});
    nets[k].buffer("bn.running_mean", {2}, {s, s});
    nets[k].buffer("bn.running_var", {2}, {s, 3 * s});
    nets[k].param("b.weight", {2, 2, 1, 1}, {s, 2 * s, 3 * s, 4 * s});
    nets[k].param("bn2.weight", {2}, {gamma2[k][0], gamma2[k][1]});
    nets[k].param("bn2.bias", {2}, {0, 0});
    nets[k].buffer("bn2.running_mean", {2}, {0, 0});
    nets[k].buffer("bn2.running_var", {2}, {1, 1});
  }
  const std::vector<float> a[2] = {nets[0].values(0), nets[1].values(0)};
  const std::vector<float> b[2] = {nets[0].values(5), nets[1].values(5)};
  const std::vector<float> var[2] = {nets[0].values(4), nets[1].values(4)};
  const FgLayout L = FgLayout::build(nets[0].entries, nets[0].numel, FgScope::kReference);
  std::vector<nn::NamedTensorList> states{nets[0].state, nets[1].state};
  const FgReport r = fg_reference_step(L, states, options(2, FgVariant::kFilter), 0, 0);
  const float w_bn[2][2] = {{1.0f / 4.0f, 1.0f}, {3.0f / 4.0f, 1.0f}};
  const float w_bn2[2][2] = {{0.5f, 2.0f / 8.0f}, {0.5f, 6.0f / 8.0f}};
  for (int k = 0; k < 2; ++k) {
    const int p = 1 - k;
    for (int o = 0; o < 2; ++o) {
      const float w = w_bn[k][o];
      EXPECT_EQ(nets[k].values(0)[o], a[k][o] * w + a[p][o] * (1.0f - w)) << k << " a " << o;
      EXPECT_EQ(nets[k].values(4)[o], var[k][o] * w + var[p][o] * (1.0f - w)) << k << " var " << o;
      for (int j = 0; j < 2; ++j) {
        const float we = w_bn[k][j] * w_bn2[k][o];
        const size_t i = static_cast<size_t>(o * 2 + j);
        const float expect = we == 1.0f ? b[k][i] : b[k][i] * we + b[p][i] * (1.0f - we);
        EXPECT_EQ(nets[k].values(5)[i], expect) << k << " b " << o << "," << j;
      }
    }
    EXPECT_EQ(nets[k].values(1)[1], gamma[k][1]);  // the skipped channel
  }
  EXPECT_EQ(r.skipped, 2);  // channel 1 of bn, in each network
  EXPECT_EQ(r.convs_without_input_bn, 1);  // conv a
  EXPECT_NEAR(r.mean_channel_weight[0], (0.25 + 0.5 + 0.25) / 3, 1e-7);
}

}  // namespace
}  // namespace revive
