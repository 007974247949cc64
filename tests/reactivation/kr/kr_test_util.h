// Helpers of the Kernel Reactivation tests: tiny hand-written layers over a flat arena, a step run
// by both CPU paths (the reference and the fast one), which must write the same bits and report
// the same counts, and the models' arenas and option sets the paths are compared on.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "reactivation/arena_tensors.h"
#include "reactivation/kr/kr_cpu.h"
#include "reactivation/kr/reference.h"
#include "reactivation/order_keys.h"

namespace revive::kr_test {

// Conv layers (and BN, which KR never reads) appended to an arena, one module each.
struct TinyNet {
  std::vector<ReactivatableTensor> tensors;
  std::vector<float> arena;
  int layer = 0;

  // Appends a conv weight of `shape` (PyTorch layout [O, I_g, Kh, Kw]) holding `w`.
  void conv(const Shape& shape, const std::vector<float>& w, int groups = 1) {
    EXPECT_EQ(static_cast<int64_t>(w.size()), shape_numel(shape));
    tensors.push_back({"conv" + std::to_string(layer) + ".weight", ReactivatableKind::kConvWeight,
                       static_cast<int64_t>(arena.size()), shape, groups, layer});
    ++layer;
    arena.insert(arena.end(), w.begin(), w.end());
  }
  void bn(int64_t c) {
    const int64_t at = static_cast<int64_t>(arena.size());
    tensors.push_back({"bn" + std::to_string(layer) + ".weight", ReactivatableKind::kBnGamma, at, {c}, 1, layer});
    tensors.push_back({"bn" + std::to_string(layer) + ".bias", ReactivatableKind::kBnBeta, at + c, {c}, 1, layer});
    ++layer;
    arena.insert(arena.end(), static_cast<size_t>(2 * c), 1e-4f);
  }
  FilterTable table() const { return FilterTable::build(tensors, static_cast<int64_t>(arena.size())); }
};

// Options whose gamma is gamma0 itself: period 1 and gamma evaluated at the epoch just finished,
// epoch 0, where the cosine is 1.
inline KrOptions options_with(double alpha, double beta, double gamma0) {
  KrOptions o;
  o.alpha = alpha;
  o.beta = beta;
  o.gamma0 = gamma0;
  o.period = 1;
  o.gamma_epoch = KrGammaEpoch::kJustFinished;
  return o;
}

inline ReactivationContext first_epoch() {
  ReactivationContext ctx;
  ctx.epoch = 0;
  ctx.total_epochs = 10;
  return ctx;
}

// Every field of the reports but the times.
inline void expect_same_counts(const KrReport& a, const KrReport& b) {
  nlohmann::json ja = a.to_json(), jb = b.to_json();
  for (auto* j : {&ja, &jb}) {
    j->erase("elapsed_us");
    j->erase("stage_us");
  }
  EXPECT_EQ(ja, jb);
}

// Element-wise bit equality with the first difference named (NaN == NaN when their bits agree).
inline void expect_same_bits(const std::vector<float>& want, const std::vector<float>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_EQ(float_bits(want[i]), float_bits(got[i])) << "element " << i << ": " << want[i] << " vs " << got[i];
}

// The step on net.arena by the reference (which it applies to net.arena) and by kr_apply_cpu on a
// copy; both must agree. Returns the reference's report; `selection` gets its selection.
inline KrReport step_both(TinyNet& net, const KrOptions& o, const ReactivationContext& ctx = first_epoch(),
                          KrSelection* selection = nullptr) {
  const FilterTable table = net.table();
  std::vector<float> fast = net.arena;
  KrState ref_state, fast_state;
  const KrReport ref = kr_reference_step(table, net.arena.data(), static_cast<int64_t>(net.arena.size()), o, ctx,
                                         ref_state, selection);
  KrScratch scratch;
  const KrReport got =
      kr_apply_cpu(table, fast.data(), static_cast<int64_t>(fast.size()), o, ctx, fast_state, &scratch);
  expect_same_counts(ref, got);
  expect_same_bits(net.arena, fast);
  return ref;
}

// A fresh network has no dead filters and no ties. Shrink a seeded quarter of the conv filters (as
// training leaves them), zero a few kernels, and copy a few filters onto their neighbours so that
// norms tie in C1, C2 and C3.
inline std::vector<float> trained_like(const nn::ParameterArena& arena, uint64_t seed) {
  std::vector<float> p = arena.params().to_vector<float>();
  Rng rng(seed, 7);
  for (const auto& e : arena.entries()) {
    if (e.kind != nn::ParamKind::kConvWeight) continue;
    const int64_t n = e.shape[0], len = e.numel / n, slice = e.shape[2] * e.shape[3];
    for (int64_t f = 0; f < n; ++f) {
      float* w = p.data() + e.offset + f * len;
      const float u = rng.uniform();
      if (u < 0.25f) {
        for (int64_t i = 0; i < len; ++i) w[i] *= 1e-3f;
        if (u < 0.08f && len > slice) std::fill(w, w + slice, 0.0f);
      } else if (u < 0.35f && f > 0) {
        std::copy(w - len, w, w);
      }
    }
  }
  return p;
}

// A model's filter table and trained-like weights.
struct ModelArena {
  FilterTable table;
  std::vector<float> weights;
};

inline ModelArena model_arena(const std::string& name) {
  auto model = nn::models::make_model(name, name == "cnn" ? 1 : 3, 10);
  const nn::ParameterArena arena = nn::ParameterArena::build(*model, Device::cpu(), 5);
  return {FilterTable::build(reactivatable_tensors(arena), arena.params().numel()), trained_like(arena, 3)};
}

// A step with many kernels: gamma = gamma0 = 0.5 at the first epoch.
inline KrOptions busy_options() { return options_with(0.2, 0.3, 0.5); }

// Option sets that change what is selected: the paths are compared under each.
inline std::vector<std::pair<std::string, KrOptions>> option_variants() {
  std::vector<std::pair<std::string, KrOptions>> v;
  v.emplace_back("busy", busy_options());
  KrOptions o = kr_preset("cifar");
  o.period = 1;
  v.emplace_back("cifar", o);
  o = busy_options();
  o.rounding = KrRounding::kCeil;
  o.avg_l1_divisor = KrAvgL1Divisor::kFilterSize;
  v.emplace_back("ceil, filter_size", o);
  o = busy_options();
  o.rounding = KrRounding::kRound;
  o.skip_1x1 = true;
  o.rank_depthwise = false;
  v.emplace_back("round, skip_1x1, no depthwise", o);
  o = busy_options();
  o.alpha_mode = KrAlphaMode::kL1Threshold;
  o.alpha = 0.05;
  v.emplace_back("l1_threshold", o);
  return v;
}

}  // namespace revive::kr_test
