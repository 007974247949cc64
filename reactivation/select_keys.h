// Selections the reactivation methods share (ARCHITECTURE.md decision 4), on the integer keys of
// reactivation/order_keys.h, so that they equal a stable sort of the values (§0.2):
//   select_pool_thresholds: the value at rank k of one or more pools (WE's global thresholds,
//     §1.3; KR's model-level condition C1, §3.2), a radix select split over the threads;
//   select_rank: the same for one set on the calling thread (KR's C1, C2 and C3, §3.2);
//   select_smallest_sorted: the k smallest of a layer's unique 64-bit order keys, sorted (WE's
//     per-layer order, §1.5).
#pragma once

#include <cstdint>

namespace revive {

constexpr int kMaxSelectPools = 3;

// One pool of 32-bit keys (e.g. magnitude_key of importances) and the rank asked for.
struct SelectPool {
  uint32_t* keys;  // the pool's keys, overwritten
  int64_t n;
  int64_t rank;
  // The key at position `rank` of the pool sorted ascending, or 2^32 when rank >= n (every entry
  // lies below it).
  uint64_t threshold = 0;
  // The entries equal to `threshold` at sorted positions below `rank` (0 when rank >= n): the
  // first `rank` entries of the stable ascending order are those below the threshold and the
  // first equal_before entries equal to it, in index order.
  int64_t equal_before = 0;
};

// The thresholds of n_pools <= kMaxSelectPools pools at once, each pool's work split over the
// OpenMP threads; O(|pool|) each.
void select_pool_thresholds(SelectPool* pools, int n_pools);

// The key at position `rank` of keys[0, n) sorted ascending (0 <= rank < n), and how many keys
// equal to it precede that position, as SelectPool reports them: on the calling thread and without
// allocating, for the many small selections of a step (a layer's, a filter's). Clobbers keys.
// kBest: by pivots in AVX-512 (reactivation/cpu/avx512/) where the CPU has it; kPortable: the
// portable radix select (the same answer, for tests).
struct SelectRank {
  uint32_t threshold;
  int64_t equal_before;
};
enum class SelectIsa { kBest, kPortable };
SelectRank select_rank(uint32_t* keys, int64_t n, int64_t rank, SelectIsa isa = SelectIsa::kBest);

// Moves the k smallest of the unique keys[0, n) to keys[0, k), ascending (0 <= k <= n); clobbers
// the rest and spare[0, n).
void select_smallest_sorted(uint64_t* keys, int32_t n, int32_t k, uint64_t* spare);

}  // namespace revive
