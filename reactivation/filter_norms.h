// Stage (a) of the reactivation pipelines (ARCHITECTURE.md decision 4): the L1 norm of every filter
// of every layer of a filter table, in one pass over the parameter arena.
//
// The summation order is part of the definition, because WE's selections compare norms and the
// CPU and CUDA paths must select the same filters (docs/reactivation.md §0.2): element e
// of a filter is added to lane e mod kFilterNormLanes in increasing e (float, starting from +0),
// then the lanes are combined by the halving tree of filter_norm_combine. That is what a SIMD loop
// does on the CPU and what a half-warp with shuffle-down does on a GPU.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "reactivation/filter_table.h"

namespace revive {

constexpr int kFilterNormLanes = 16;

// The methods report the fractions of conv filters whose average L1 lies below these limits (dead
// filters), before their step, under these names.
constexpr std::array<double, 3> kDeadFilterThresholds{1e-3, 1e-2, 1e-1};
constexpr std::array<const char*, 3> kDeadFilterThresholdNames{"1e-3", "1e-2", "1e-1"};

// lanes[l] += lanes[l + w] for w = 8, 4, 2, 1; returns lanes[0]. Clobbers lanes. Written out
// step by step so that compilers emit straight-line vector code.
REVIVE_HD float filter_norm_combine(float* lanes) {
  static_assert(kFilterNormLanes == 16, "the combine tree below is written for 16 lanes");
  for (int l = 0; l < 8; ++l) lanes[l] += lanes[l + 8];
  for (int l = 0; l < 4; ++l) lanes[l] += lanes[l + 4];
  lanes[0] += lanes[2];
  lanes[1] += lanes[3];
  return lanes[0] + lanes[1];
}

// The L1 norm of one filter of `len` elements in that order, written plainly: what the readable
// reference steps of the methods compute, and the definition the loops below are tested against.
inline float filter_norm_l1_plain(const float* w, int64_t len) {
  float lanes[kFilterNormLanes] = {};
  for (int64_t e = 0; e < len; ++e) lanes[e % kFilterNormLanes] += std::fabs(w[e]);
  return filter_norm_combine(lanes);
}

// For every filter f of the table: l1[f] = sum of |w| over the filter (plain L1) and
// importance[f] = l1[f] / divisor of its layer (average L1 of §1.2; |x| for BN scalars).
// Both outputs have table.n_filters() entries. kBest takes the AVX2 loop where the CPU has it and
// the portable one elsewhere; kPortable always the portable one (for tests: both give the same
// bits, as the order of the sums is fixed).
enum class FilterNormIsa { kBest, kPortable };
void filter_norm_l1_cpu(const FilterTable& table, const float* arena, float* l1, float* importance,
                        FilterNormIsa isa = FilterNormIsa::kBest);

// One run of filter_norm_l1_cpu, on one thread: for i < n, l1[i] = the L1 norm of the len floats at
// p + i len in the order above, and importance[i] = l1[i] / divisor (importance may be l1 itself
// when divisor is 1). `end` bounds the memory that may be read: the portable loop reads whole
// vectors and pads the last filter's tail from a copy when it would pass `end`.
void filter_norm_l1_rows_cpu(const float* p, int64_t n, int32_t len, float divisor, const float* end, float* l1,
                             float* importance, FilterNormIsa isa = FilterNormIsa::kBest);

}  // namespace revive
