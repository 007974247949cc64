// Weight Evolution, the readable reference: one step written as docs/weight-evolution.md reads,
// section by section, in plain loops and std::stable_sort, without threads, SIMD or
// selects. Read reference.cpp to learn the method; the tuned paths (cpu/, cuda/) are tested against
// it and must give the same selections, the same pairs, the same report and the same arena bits.
//
// The step, after training epoch `epoch` (0-based):
//   1.2  the average L1 importance of every filter, |x| of every BN scalar;
//   1.3  per pool (conv, BN gamma, BN beta) the rate r(e) and the threshold th = sorted_pool[k];
//   1.4  per layer, in module order: the candidates below th, the relative-importance test and the
//        fallback counter, c inferior entries;
//   1.5  per layer: the pairs of dominant and inferior entries;
//   1.6  per pair: the inferior filter (or scalar) blended with its dominant.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "reactivation/filter_table.h"
#include "reactivation/we/we_cpu.h"
#include "reactivation/we/we_options.h"

namespace revive {

// One layer's local selection (§1.4 and §1.5).
struct WeReferenceLayer {
  int32_t n_tbd = 0;       // entries below the pool's threshold (0 for WE-L)
  int32_t n_ri = 0;        // entries within lambda, after the fallback (0 where the test did not run)
  int32_t n_inferior = 0;  // c
  int32_t n_pairs = 0;     // min(c, N - c)
  bool fallback_forced = false;
};

// What the step decided, for tests and for readers who want to look.
struct WeReferenceTrace {
  std::vector<float> l1;          // plain L1 of every filter of the table, before the step
  std::vector<float> importance;  // average L1 (§1.2)
  // Per pool: sorted_pool[k]; empty when k >= |pool| (every entry is a candidate) or the pool is off.
  std::array<std::optional<float>, kNumReactivatableKinds> threshold;
  std::vector<WeReferenceLayer> layers;  // per table layer
  // Every pair of the step as filter-table ids, layer after layer in module order:
  // pair p blends dominant[p] into inferior[p].
  std::vector<int32_t> dominant;
  std::vector<int32_t> inferior;
};

// One WE step: the contract of we_apply_cpu (we_cpu.h), whose report it fills alike (no timings).
WeReport we_apply_reference(const FilterTable& table, float* arena, int64_t arena_numel, const WeOptions& options,
                            int epoch, const std::vector<int>& stage_boundaries, WeState& state,
                            WeReferenceTrace* trace = nullptr);

}  // namespace revive
