// Weight Evolution on the CPU (docs/weight-evolution.md), as the pipeline of ARCHITECTURE.md
// decision 4 over a filter table:
//   (a) filter_norm_l1_cpu: the average L1 of every filter of every layer, one pass over the arena;
//   (b) we_global_thresholds: the threshold of each pool (conv, BN gamma, BN beta) at rate r(e);
//   (c) we_count_layer, in parallel over layers, then the fallback in module order
//       (we_finish_layer_selection);
//   (d) we_match_layer: stable ordering of the selected ends of each layer, pairs;
//   (e) we_crossover_cpu: one update per slice (or per filter / scalar) of each inferior filter.
// The step only reads and writes the arena's reactivatable tensors; optimiser momentum is never
// seen, hence never touched (§0.3).
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <vector>

#include "reactivation/filter_norms.h"
#include "reactivation/filter_table.h"
#include "reactivation/we/we_crossover.h"
#include "reactivation/we/we_options.h"
#include "reactivation/we/we_select.h"

namespace revive {

// What WE carries from one epoch to the next: the fallback counters of §1.4, one per
// pool (conv, gamma, beta), never reset between epochs. The caller keeps it and checkpoints it.
struct WeState {
  std::array<int64_t, kNumReactivatableKinds> fallback_counter{};

  nlohmann::json to_json() const;
  static WeState from_json(const nlohmann::json& j);
};

struct WePoolReport {
  bool enabled = false;
  int64_t pool_size = 0;
  double rate = 0;            // r(e)
  int64_t threshold_rank = 0; // k = floor(|pool| * r)
  int64_t candidates = 0;     // |W^tbd|
  int64_t inferior = 0;       // sum of c over the pool's layers
  int64_t pairs = 0;          // inferior filters that were matched (and rewritten)
  int64_t fallback_forced = 0;
  WeCrossoverCounts crossover;
};

constexpr std::array<const char*, 5> kWeStageNames{"norms", "thresholds", "counts", "matching", "crossover"};

struct WeReport {
  int epoch = 0;
  int stage = 1;
  int stage_start = 0;
  double divisor = 1;
  std::array<WePoolReport, kNumReactivatableKinds> pools;  // indexed by ReactivatableKind
  // Fractions of conv filters whose average L1 is below 1e-3, 1e-2, 1e-1, before the step.
  std::array<double, 3> conv_fraction_below{};
  double elapsed_us = 0;
  // Wall time of each stage of the CPU step (kWeStageNames), for studying where the time goes;
  // zero on CUDA, whose stages run asynchronously, and then left out of the JSON.
  std::array<double, kWeStageNames.size()> stage_us{};

  nlohmann::json to_json() const;  // for the epoch's metrics line
};

// Fractions of conv filters reported in WeReport::conv_fraction_below lie below these.
inline constexpr const auto& kWeDeadThresholds = kDeadFilterThresholds;

// The host-side start of a step, shared by both backends: validates the options and the arena
// (its size must be the one the table was built for), and fills the report's epoch and stage and
// each pool's enabled flag, size, rate r(e) and threshold rank k (§1.3).
WeReport we_plan_step(const FilterTable& table, const void* arena, int64_t arena_numel, const WeOptions& options,
                      int epoch, const std::vector<int>& stage_boundaries);
// The period of the fallback counters, (#conv layers)/ln_c, or 0 without fallback (§1.4, the fallback);
// the BN counters share the conv-count-based period (we.py:312).
double we_fallback_period(const FilterTable& table, const WeOptions& options);

// Buffers sized by the table, reusable across epochs so a step allocates nothing.
struct WeScratch {
  std::vector<float> l1;
  std::vector<float> importance;
  std::array<std::vector<uint32_t>, kNumReactivatableKinds> keys;  // per pool
  std::vector<int64_t> pool_offset;          // per layer: where its keys start in its pool
  std::vector<WeLayerCounts> counts;          // per layer
  std::vector<WeLayerSelection> selection;  // per layer
  std::vector<int64_t> pair_offset;         // per layer + 1: where each layer's pairs start
  std::vector<std::vector<uint64_t>> order;  // per thread
  WePairs pairs;
};

// One WE step after training epoch `epoch` (0-based). `stage_boundaries` are the LR schedule's
// (epoch 0 and each decay); options.stage_boundaries, when set, replace them. `arena_numel` must be
// the size the table was built for.
WeReport we_apply_cpu(const FilterTable& table, float* arena, int64_t arena_numel, const WeOptions& options,
                      int epoch, const std::vector<int>& stage_boundaries, WeState& state,
                      WeScratch* scratch = nullptr);

}  // namespace revive
