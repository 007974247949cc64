// The tuned Weight Evolution paths against the readable reference (reactivation/we/reference.h) on
// the filter tables of the model zoo: every model, both presets, no ablation and each one, several
// epochs in sequence (a stage's first and last epochs, a later stage) from carried fallback
// counters. Weights are seeded, with tiny, all-zero and copied filters (ties broken by index),
// exact zeros and equal magnitudes inside filters (the reference code's "every element equal to m"),
// and some layers left without tiny filters (where the fallback counters climb). Used by the CPU
// test (tests/reactivation/we/reference_test.cpp) and the CUDA test (tests/cuda/we_cuda_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "reactivation/arena_tensors.h"
#include "reactivation/we/reference.h"
#include "reactivation/we/we_cpu.h"

namespace revive::testing {

struct WeZooModel {
  std::string name;
  FilterTable table;
  std::vector<float> weights;  // the whole arena
};

// Fills the table's tensors of `w` with seeded values shaped as the header says.
inline void shape_we_weights(std::vector<float>& w, const FilterTable& table, uint64_t seed) {
  const FilterTableLayers& L = table.layers();
  Rng rng(seed, 11);
  for (int l = 0; l < table.n_layers(); ++l) {
    const int64_t len = L.filter_len[l], slice = L.slice_len[l];
    const ReactivatableKind kind = L.kind[l];
    const float scale = kind == ReactivatableKind::kConvWeight ? 1.0f / std::sqrt(static_cast<float>(len)) : 0.3f;
    const float offset = kind == ReactivatableKind::kBnGamma ? 1.0f : 0.0f;
    // Layers without small filters, where the fallback counters climb; and layers with one input
    // channel zero in every filter (a dead channel), where the blends of both slices' zeros are
    // skipped.
    const bool no_small = rng.uniform() < 0.2f;
    const int64_t dead = L.n_slices[l] > 1 && rng.uniform() < 0.2f ? static_cast<int64_t>(rng.below(L.n_slices[l])) : -1;
    for (int32_t j = 0; j < L.n_filters[l]; ++j) {
      float* f = w.data() + L.offset[l] + j * len;
      for (int64_t i = 0; i < len; ++i) {
        f[i] = offset + scale * rng.uniform(-1.0f, 1.0f);
        const float u = rng.uniform();
        if (i > 0 && u < 0.03f) f[i] = 0.0f;
        else if (i > 0 && u < 0.06f) f[i] = -f[i - 1];  // equal magnitudes
        else if (i > 0 && u < 0.08f) f[i] = f[i - 1];
      }
      if (dead >= 0) std::fill(f + dead * slice, f + (dead + 1) * slice, 0.0f);
      const float u = rng.uniform();
      const float factor = no_small ? 1.0f : u < 0.1f ? 1e-3f : u < 0.11f ? 1e-7f : u < 0.12f ? 0.0f : 1.0f;
      for (int64_t i = 0; i < len; ++i) f[i] *= factor;
      if (u >= 0.3f && u < 0.38f && j > 0) std::copy(f - len, f, f);  // equal importances
    }
  }
}

inline WeZooModel we_zoo_model(const std::string& name, uint64_t seed) {
  auto module = nn::models::make_model(name, 3, 10);
  const nn::ParameterArena arena = nn::ParameterArena::build(*module, Device::cpu(), seed);
  WeZooModel m{name, FilterTable::build(reactivatable_tensors(arena), arena.params().numel()),
               arena.params().to_vector<float>()};
  shape_we_weights(m.weights, m.table, seed);
  return m;
}

struct WeZooCase {
  std::string preset;
  std::vector<std::string> ablations;
  std::vector<std::string> overrides;
  std::string name() const {
    std::string n = preset;
    for (const auto& s : ablations) n += " " + s;
    for (const auto& s : overrides) n += " " + s;
    return n;
  }
};

// Both presets, each alone and with each ablation (a value-taking one gets 0.3); and the reference
// preset with lambda = 0, where only all-zero filters are within lambda, so that the fallback
// counters climb and force entries layer after layer, epoch after epoch.
inline std::vector<WeZooCase> we_zoo_cases() {
  std::vector<WeZooCase> cases;
  for (const std::string& preset : we_preset_names()) {
    cases.push_back({preset, {}, {}});
    for (std::string a : we_ablation_names()) {
      const size_t value = a.find("=<");
      cases.push_back({preset, {value == std::string::npos ? a : a.substr(0, value) + "=0.3"}, {}});
    }
  }
  cases.push_back({"reference", {}, {"ri_threshold=0"}});
  return cases;
}

// The first epoch of stage 1 (r = r^/2), its last, the first of stage 2 and one of stage 3.
inline const std::vector<int> kWeZooBoundaries{0, 60, 120};
inline const std::vector<int> kWeZooEpochs{0, 59, 60, 121};
// The fallback counters carried into the first step: the conv counter one short of the reference
// preset's period (#conv layers / 2), so that its first layer with candidates but none within
// lambda forces one.
inline std::array<int64_t, kNumReactivatableKinds> we_zoo_counters(const FilterTable& table) {
  const int64_t period = (table.n_layers_of(ReactivatableKind::kConvWeight) + 1) / 2;
  return {std::max<int64_t>(period - 1, 0), 1, 2};
}

// What a tuned path decided in its last step, and the arena it left.
struct WeTunedDecisions {
  std::vector<float> l1, importance;
  std::optional<std::array<uint64_t, kNumReactivatableKinds>> threshold;  // where the path keeps them
  std::vector<WeLayerSelection> selection;
  WePairs pairs;
};

class WeTunedPath {
 public:
  virtual ~WeTunedPath() = default;
  virtual std::string name() const = 0;
  virtual void start(const std::vector<float>& weights) = 0;  // a fresh arena
  virtual WeReport step(const FilterTable& table, const WeOptions& o, int epoch, WeState& state) = 0;
  virtual WeTunedDecisions decisions() = 0;
  virtual const std::vector<float>& arena() = 0;  // the weights after the last step
};

// The tuned CPU path (we_cpu.h).
class WeCpuPath : public WeTunedPath {
 public:
  std::string name() const override { return "cpu"; }
  void start(const std::vector<float>& weights) override { arena_ = weights; }
  WeReport step(const FilterTable& table, const WeOptions& o, int epoch, WeState& state) override {
    return we_apply_cpu(table, arena_.data(), static_cast<int64_t>(arena_.size()), o, epoch, kWeZooBoundaries,
                        state, &scratch_);
  }
  WeTunedDecisions decisions() override {
    return {scratch_.l1, scratch_.importance, std::nullopt, scratch_.selection, scratch_.pairs};
  }
  const std::vector<float>& arena() override { return arena_; }

 private:
  std::vector<float> arena_;
  WeScratch scratch_;
};

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Equal bits; otherwise a message naming the first difference and the largest one.
inline ::testing::AssertionResult same_floats(const std::vector<float>& ref, const std::vector<float>& got) {
  if (same_bits(ref, got)) return ::testing::AssertionSuccess();
  if (ref.size() != got.size()) return ::testing::AssertionFailure() << ref.size() << " vs " << got.size() << " values";
  size_t first = ref.size();
  double largest = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (std::memcmp(&ref[i], &got[i], sizeof(float)) == 0) continue;
    first = std::min(first, i);
    largest = std::max(largest, std::fabs(static_cast<double>(ref[i]) - got[i]));
  }
  return ::testing::AssertionFailure() << "first difference at " << first << ": reference " << ref[first]
                                       << ", tuned " << got[first] << "; largest " << largest;
}

inline nlohmann::json report_without_time(WeReport r) {
  r.elapsed_us = 0;
  r.stage_us = {};
  return r.to_json();
}

// Every decision of one step alike: norms, thresholds, each layer's selection, the pairs.
inline void expect_same_decisions(const FilterTable& table, const WeReport& report, const WeReferenceTrace& ref,
                                  const WeTunedDecisions& got) {
  EXPECT_TRUE(same_floats(ref.l1, got.l1)) << "l1";
  EXPECT_TRUE(same_floats(ref.importance, got.importance)) << "importance";
  for (int k = 0; k < kNumReactivatableKinds; ++k) {
    if (!got.threshold || !report.pools[k].enabled) continue;
    EXPECT_EQ(ref.threshold[k] ? uint64_t{magnitude_key(*ref.threshold[k])} : uint64_t{1} << 32, (*got.threshold)[k])
        << "threshold of pool " << k;
  }
  ASSERT_EQ(ref.layers.size(), got.selection.size());
  for (int l = 0; l < table.n_layers(); ++l) {
    const WeReferenceLayer& a = ref.layers[l];
    const WeLayerSelection& b = got.selection[l];
    const std::string& layer = table.layer_names()[l];
    EXPECT_EQ(a.n_tbd, b.n_tbd) << layer;
    EXPECT_EQ(a.n_ri, b.n_ri) << layer;
    EXPECT_EQ(a.n_inferior, b.n_inferior) << layer;
    EXPECT_EQ(a.n_pairs, b.n_pairs) << layer;
    EXPECT_EQ(a.fallback_forced, b.fallback_forced) << layer;
  }
  EXPECT_EQ(ref.dominant, got.pairs.dominant);
  EXPECT_EQ(ref.inferior, got.pairs.inferior);
}

// What the cases of one model exercised, to show that the comparison was not vacuous.
struct WeZooTotals {
  std::array<int64_t, kNumReactivatableKinds> pairs{};
  int64_t fallback_forced = 0;
  int64_t skipped = 0;  // zero denominators and non-finite results
};

// Every case of the zoo on one model, each tuned path next to the reference: the same decisions,
// report, counters and arena bits after every step (the tuned paths compute the reference's float
// operations in the same order, so "within 1e-6" is in fact "equal"). A case whose arenas part
// stops there, so that later steps do not compare different inputs.
inline WeZooTotals compare_with_reference(const WeZooModel& m, const std::vector<WeTunedPath*>& paths) {
  WeZooTotals totals;
  for (const WeZooCase& c : we_zoo_cases()) {
    const WeOptions o = parse_we_options(c.preset, c.ablations, c.overrides);
    std::vector<float> ref = m.weights;
    WeState ref_state;
    ref_state.fallback_counter = we_zoo_counters(m.table);
    std::vector<WeState> states(paths.size(), ref_state);
    for (WeTunedPath* path : paths) path->start(m.weights);
    bool parted = false;
    for (int epoch : kWeZooEpochs) {
      WeReferenceTrace trace;
      const WeReport expected = we_apply_reference(m.table, ref.data(), static_cast<int64_t>(ref.size()), o, epoch,
                                                   kWeZooBoundaries, ref_state, &trace);
      for (int k = 0; k < kNumReactivatableKinds; ++k) {
        const WePoolReport& p = expected.pools[k];
        totals.pairs[k] += p.pairs;
        totals.fallback_forced += p.fallback_forced;
        totals.skipped += p.crossover.skipped_zero_denominator + p.crossover.skipped_non_finite;
      }
      for (size_t i = 0; i < paths.size(); ++i) {
        SCOPED_TRACE(m.name + " " + c.name() + " epoch " + std::to_string(epoch) + " " + paths[i]->name());
        const WeReport report = paths[i]->step(m.table, o, epoch, states[i]);
        expect_same_decisions(m.table, expected, trace, paths[i]->decisions());
        EXPECT_EQ(report_without_time(expected), report_without_time(report));
        EXPECT_EQ(ref_state.fallback_counter, states[i].fallback_counter);
        const ::testing::AssertionResult same = same_floats(ref, paths[i]->arena());
        EXPECT_TRUE(same) << "arena";
        parted |= !same;
      }
      if (parted) break;
    }
  }
  return totals;
}

}  // namespace revive::testing
