// Weight Evolution on real models' arenas (ResNet-20, MobileNetV2): only the inferior filters of
// the matched pairs change; dominant filters and every other tensor stay bit-identical; the paper
// crossover changes at most one element per slice (exactly one unless the blend leaves it
// unchanged); repeated runs are identical; the SGD momentum arena is never touched. And on
// MobileNetV2, the reference preset blends whole filters in the 1x1 convs and crosses elements in
// the 3x3 depthwise ones, as the published code does (§1.6a).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "core/rng.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "optim/sgd.h"
#include "reactivation/arena_tensors.h"
#include "reactivation/we/we_cpu.h"
#include "reactivation/we/we_reactivator.h"
#include "support/we_zoo.h"

namespace revive {
namespace {

// A trained network has near-dead filters; a fresh one has none. Shrink a seeded third of the
// filters of every conv and BN tensor so that global and local selection both find some.
void kill_some_filters(nn::ParameterArena& arena, uint64_t seed) {
  float* p = arena.params().data<float>();
  Rng rng(seed, 5);
  for (const auto& e : arena.entries()) {
    if (e.kind == nn::ParamKind::kLinearWeight || e.kind == nn::ParamKind::kLinearBias) continue;
    const int64_t n_filters = e.shape[0], len = e.numel / n_filters;
    for (int64_t f = 0; f < n_filters; ++f) {
      if (rng.uniform() < 0.33f) {
        for (int64_t i = 0; i < len; ++i) p[e.offset + f * len + i] *= 1e-3f;
      }
    }
  }
}

void check_model(const std::string& name) {
  SCOPED_TRACE(name);
  auto model = nn::models::make_model(name, 1, 10);
  nn::ParameterArena arena = nn::ParameterArena::build(*model, Device::cpu(), 11);
  kill_some_filters(arena, 3);
  optim::SgdOptions so;
  so.momentum = 0.9;
  optim::SgdOptimizer sgd(so, arena.params());
  Tensor momentum_before = sgd.momentum().clone();

  const FilterTable table = FilterTable::build(reactivatable_tensors(arena), arena.params().numel());
  const std::vector<float> before = arena.params().to_vector<float>();
  const WeOptions options = we_preset("paper");
  WeState state;
  WeScratch scratch;
  const int epoch = 45;  // late in stage 1: r(e) close to r_hat
  const WeReport report = we_apply_cpu(table, arena.params().data<float>(), arena.params().numel(), options, epoch,
                                       {0}, state, &scratch);
  const std::vector<float> after = arena.params().to_vector<float>();

  // Counts: k = floor(|pool| r(e)) for each pool.
  for (const WePoolReport& pool : report.pools) {
    EXPECT_EQ(pool.threshold_rank, static_cast<int64_t>(std::floor(static_cast<double>(pool.pool_size) * pool.rate)));
    EXPECT_LE(pool.pairs, pool.inferior);
    EXPECT_LE(pool.inferior, pool.candidates);
  }
  EXPECT_GT(report.pools[0].pairs, 0);

  const auto& L = table.layers();
  const auto& Fl = table.filters();
  std::set<int32_t> inferior(scratch.pairs.inferior.begin(), scratch.pairs.inferior.end());
  std::vector<bool> in_filter(before.size(), false);
  for (int32_t f = 0; f < table.n_filters(); ++f) {
    const int32_t l = Fl.layer[f];
    const int64_t len = L.filter_len[l], slice = L.slice_len[l];
    for (int64_t i = 0; i < len; ++i) in_filter[Fl.offset[f] + i] = true;
    int64_t changed = 0;
    for (int64_t s = 0; s < L.n_slices[l]; ++s) {
      int64_t changed_in_slice = 0;
      for (int64_t i = 0; i < slice; ++i) {
        const int64_t at = Fl.offset[f] + s * slice + i;
        changed_in_slice += before[at] != after[at];
      }
      // Element crossover: one element per slice (depthwise filters, one slice each, too).
      if (L.n_slices[l] > 1) {
        EXPECT_LE(changed_in_slice, 1) << table.layer_names()[l] << " filter " << f;
      }
      changed += changed_in_slice;
    }
    if (!inferior.count(f)) {
      EXPECT_EQ(changed, 0) << "a non-inferior filter changed: " << table.layer_names()[l];
    }
  }
  int64_t changed_filters = 0;
  for (int32_t f : inferior) {
    bool any = false;
    for (int64_t i = 0; i < L.filter_len[Fl.layer[f]]; ++i) any |= before[Fl.offset[f] + i] != after[Fl.offset[f] + i];
    changed_filters += any;
  }
  EXPECT_GT(changed_filters, 0);
  for (size_t i = 0; i < before.size(); ++i) {
    if (!in_filter[i]) {
      ASSERT_EQ(before[i], after[i]) << "element " << i << " outside the filter table changed";
    }
  }
  for (float v : after) ASSERT_TRUE(std::isfinite(v));
  EXPECT_EQ(momentum_before.to_vector<float>(), sgd.momentum().to_vector<float>());

  // The same input gives the same output, bit for bit.
  nn::ParameterArena again = nn::ParameterArena::build(*model, Device::cpu(), 11);
  kill_some_filters(again, 3);
  WeState state2;
  we_apply_cpu(table, again.params().data<float>(), again.params().numel(), options, epoch, {0}, state2, nullptr);
  EXPECT_EQ(again.params().to_vector<float>(), after);
}

// The filter-level blend of §1.6a, in double: every element of the inferior filter becomes
// a w_i + (1 - a) w_d, a = L1(W[i]) / (L1(W[i]) + L1(W[d])).
bool blended_as_whole_filter(const float* inferior, const float* dominant, const float* after, int64_t len) {
  double l1_i = 0, l1_d = 0;
  for (int64_t e = 0; e < len; ++e) {
    l1_i += std::fabs(inferior[e]);
    l1_d += std::fabs(dominant[e]);
  }
  const double a = l1_i / (l1_i + l1_d);
  for (int64_t e = 0; e < len; ++e) {
    const double expected = a * inferior[e] + (1 - a) * dominant[e];
    if (std::fabs(after[e] - expected) > 1e-6 * std::max(1.0, std::fabs(expected))) return false;
  }
  return true;
}

// The code's element crossover of §1.6b, in double: in each slice, the elements equal to m (the
// first of smallest |.|) become 2 m l / (m + l) (l: the dominant slice's first of largest |.|), the
// others keep their bits; a slice with m + l = 0 is skipped.
bool crossed_by_element(const float* inferior, const float* dominant, const float* after, int64_t n_slices,
                        int64_t slice_len) {
  for (int64_t s = 0; s < n_slices; ++s) {
    const float* mi = inferior + s * slice_len;
    const float* ld = dominant + s * slice_len;
    const float* out = after + s * slice_len;
    int64_t am = 0, al = 0;
    for (int64_t e = 1; e < slice_len; ++e) {
      if (std::fabs(mi[e]) < std::fabs(mi[am])) am = e;
      if (std::fabs(ld[e]) > std::fabs(ld[al])) al = e;
    }
    const double m = mi[am], l = ld[al];
    for (int64_t e = 0; e < slice_len; ++e) {
      if (mi[e] != mi[am] || m + l == 0) {
        if (std::memcmp(&out[e], &mi[e], sizeof(float)) != 0) return false;
      } else if (std::fabs(out[e] - 2 * m * l / (m + l)) > 1e-6 * std::max(1.0, std::fabs(double{out[e]}))) {
        return false;
      }
    }
  }
  return true;
}

TEST(WeModels, MobileNetV2ReferencePresetBlendsWhole1x1FiltersAndCrossesDepthwiseElements) {
  const testing::WeZooModel m = testing::we_zoo_model("mobilenetv2", 3);
  const FilterTableLayers& L = m.table.layers();
  const FilterTableFilters& F = m.table.filters();
  const WeOptions reference = we_preset("reference");
  // Which layers: exactly the 1x1 convs (expand, project, shortcuts, the last conv) blend whole
  // filters; the 3x3 depthwise convs and the first 3x3 conv cross elements. The paper: none.
  int n_1x1 = 0, n_depthwise = 0;
  for (int l = 0; l < m.table.n_layers(); ++l) {
    if (L.kind[l] != ReactivatableKind::kConvWeight) continue;
    const bool one_by_one = L.slice_len[l] == 1, depthwise = L.n_slices[l] == 1;
    ASSERT_TRUE(one_by_one || L.kernel_h[l] == 3) << m.table.layer_names()[l];
    n_1x1 += one_by_one;
    n_depthwise += depthwise;
    EXPECT_EQ(we_uses_filter_level(m.table, l, reference), one_by_one) << m.table.layer_names()[l];
    EXPECT_FALSE(we_uses_filter_level(m.table, l, we_preset("paper"))) << m.table.layer_names()[l];
  }
  EXPECT_GT(n_1x1, 30);
  EXPECT_EQ(n_depthwise, 17);  // one per inverted-residual block

  // How they changed, pair by pair, after a step of the reference preset.
  std::vector<float> after = m.weights;
  WeState state;
  WeScratch scratch;
  we_apply_cpu(m.table, after.data(), static_cast<int64_t>(after.size()), reference, 59, {0, 60, 120}, state,
               &scratch);
  std::set<int> blended_layers, crossed_depthwise_layers;
  for (size_t p = 0; p < scratch.pairs.size(); ++p) {
    const int32_t fi = scratch.pairs.inferior[p], fd = scratch.pairs.dominant[p];
    const int l = F.layer[fi];
    if (L.kind[l] != ReactivatableKind::kConvWeight) continue;
    const float* wi = m.weights.data() + F.offset[fi];
    const float* wd = m.weights.data() + F.offset[fd];
    const float* out = after.data() + F.offset[fi];
    SCOPED_TRACE(m.table.layer_names()[l] + " filter " + std::to_string(fi - L.first_filter[l]));
    // The other rule would have given another filter, unless the two filters are equal.
    const bool distinct = std::memcmp(wi, wd, static_cast<size_t>(L.filter_len[l]) * sizeof(float)) != 0;
    if (L.slice_len[l] == 1) {
      EXPECT_TRUE(blended_as_whole_filter(wi, wd, out, L.filter_len[l]));
      EXPECT_TRUE(!distinct || !crossed_by_element(wi, wd, out, L.n_slices[l], 1));
      blended_layers.insert(l);
    } else {
      EXPECT_TRUE(crossed_by_element(wi, wd, out, L.n_slices[l], L.slice_len[l]));
      EXPECT_TRUE(!distinct || !blended_as_whole_filter(wi, wd, out, L.filter_len[l]));
      if (L.n_slices[l] == 1) crossed_depthwise_layers.insert(l);
    }
  }
  EXPECT_GT(blended_layers.size(), 5u);
  EXPECT_GT(crossed_depthwise_layers.size(), 5u);
}

TEST(WeModels, ResNet20) { check_model("resnet20"); }
TEST(WeModels, MobileNetV2) { check_model("mobilenetv2"); }

TEST(WeModels, ReactivatorReportsTelemetryAndCarriesState) {
  auto model = nn::models::make_model("resnet20", 1, 10);
  nn::ParameterArena arena = nn::ParameterArena::build(*model, Device::cpu(), 2);
  kill_some_filters(arena, 4);
  WeReactivator we(parse_we_options("reference", {}, {}));
  ReactivationContext ctx;
  ctx.epoch = 10;
  nlohmann::json telemetry;
  we.apply_one(ctx, *model, arena, telemetry);
  ASSERT_TRUE(telemetry.contains("pools"));
  EXPECT_GT(telemetry["pools"]["conv"]["pairs"].get<int64_t>(), 0);
  const nlohmann::json saved = we.state();
  WeReactivator restored(parse_we_options("reference", {}, {}));
  restored.load_state(saved);
  EXPECT_EQ(restored.state(), saved);
}

}  // namespace
}  // namespace revive
