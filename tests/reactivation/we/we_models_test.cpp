// Weight Evolution on real models' arenas (ResNet-20, MobileNetV2): only the inferior filters of
// the matched pairs change; dominant filters and every other tensor stay bit-identical; the paper
// crossover changes at most one element per slice (exactly one unless the blend leaves it
// unchanged); repeated runs are identical; the SGD momentum arena is never touched.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/rng.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "optim/sgd.h"
#include "reactivation/arena_tensors.h"
#include "reactivation/we/we_cpu.h"
#include "reactivation/we/we_reactivator.h"

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
      // Element crossover (I_g > 1): one element per slice; depthwise filters blend as a whole.
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
