// Kernel Reactivation on the CPU (docs/kernel-reactivation.md), as a pipeline over the filter
// table (ARCHITECTURE.md decision 4) that reads the conv weights once and the invalid filters again:
//   (a) filter_norm_l1_cpu: every filter's L1 and average L1, one pass over the arena;
//   (b) C1: the model-level bound, a select over the taking-part filters' keys (select_rank, or
//       select_pool_thresholds past 2^18 filters), ties at the boundary broken by filter id;
//   (c) C2 in parallel over layers (select_rank of each layer's L1 keys, ties by index), which
//       flags the invalid filters F = S1 n S2;
//   (d) C3 and the rescale in parallel over the invalid filters, each thread first taking those
//       the norm stage read on it (home_chunks.h): the kernels' norms, the best kernel, the first
//       floor(gamma I_g) of the others (select_rank, ties by index), R = kappa_b / kappa_n on each.
// It writes the bits kr_reference_step writes and selects what it selects.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "reactivation/kr/kr_step.h"

namespace revive {

// Buffers sized by the table, reused across epochs so that a step allocates nothing once warm.
struct KrScratch {
  std::vector<float> l1;          // per filter
  std::vector<float> importance;  // per filter: L1 / I_g
  std::vector<uint32_t> c1_magnitude;  // per filter of a taking-part layer: C1's magnitude key
  std::vector<uint32_t> c1_keys;       // per taking-part filter
  // F in ascending ids: the first report.invalid_filters entries after an applied step (sized by
  // the table).
  std::vector<int32_t> invalid_filters;
  std::vector<int32_t> layer_invalid;  // per layer: its count in F
  std::vector<uint8_t> takes_part;     // per layer: kr_layer_takes_part
  std::vector<std::vector<float>> kappa;    // per thread: an invalid filter's kernel norms
  std::vector<std::vector<uint32_t>> work;  // per thread: a layer's or a filter's keys
  // Per thread: stage (d)'s counts (invalid, rescaled, zero norm, non-finite), 64 bytes each so
  // that the threads' counts seldom share a cache line.
  std::vector<std::array<int64_t, 8>> c3_counts;
};

// One step after the 0-based epoch ctx.epoch: the contract of kr_reference_step.
KrReport kr_apply_cpu(const FilterTable& table, float* arena, int64_t arena_numel, const KrOptions& options,
                      const ReactivationContext& ctx, KrState& state, KrScratch* scratch = nullptr);

}  // namespace revive
