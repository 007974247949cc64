// The readable Kernel Reactivation step: §3.2 as plain loops and stable sorts,
// the definition the fast paths (kr_apply_cpu, kr_apply_cuda) are tested against. Slower than they
// are: it sorts where they select, and runs on one thread.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "reactivation/kr/kr_step.h"

namespace revive {

// What a step selected, as table ids, for tests.
struct KrSelection {
  std::vector<int32_t> invalid_filters;                   // F, ascending
  std::vector<std::pair<int32_t, int32_t>> invalid_kernels;  // (filter, kernel), by filter, then by kappa
};

// One step after the 0-based epoch ctx.epoch on `arena` (arena_numel floats, the table's size),
// updating `state`; `selection`, when given, receives what C1-C3 selected.
KrReport kr_reference_step(const FilterTable& table, float* arena, int64_t arena_numel, const KrOptions& options,
                           const ReactivationContext& ctx, KrState& state, KrSelection* selection = nullptr);

}  // namespace revive
