// Stages (b)-(d) of Weight Evolution (ARCHITECTURE.md decision 4; docs/weight-evolution.md §1.3-1.5):
// the global threshold of a pool, the per-layer counts of the local selection with the fallback
// counter, and the (dominant, inferior) pairs of forward or reverse matching. Importances are
// compared through magnitude_key (we_math.h), so NaN sorts last and ties are broken by index.
#pragma once

#include <cstdint>
#include <vector>

#include "reactivation/filter_table.h"
#include "reactivation/select_keys.h"
#include "reactivation/we/we_math.h"
#include "reactivation/we/we_options.h"

namespace revive {

// Global threshold (§1.3): the key of sorted_pool[k], or 2^32 (every entry a candidate) when
// k >= |pool|; an entry is "to be determined" iff magnitude_key(importance) < threshold.
// `keys` holds the pool's magnitude keys and is overwritten (radix select, O(|pool|)).
uint64_t we_global_threshold(std::vector<uint32_t>& keys, int64_t k);

// The global thresholds of several pools at once, each pool's work split over the OpenMP threads
// (select_pool_thresholds).
using WeThresholdPool = SelectPool;
void we_global_thresholds(WeThresholdPool* pools, int n_pools);

// The counts a layer's local selection starts from: entries below the global threshold (0 for
// WE-L) and, where we_selection_is_local, entries within lambda and their bound. They depend on
// the thresholds only, so layers can be counted in any order; the fallback then runs in module
// order (we_finish_layer_selection).
struct WeLayerCounts {
  int32_t n_tbd = 0;
  int32_t n_ri = 0;
  uint64_t ri_bound = uint64_t{1} << 32;
};
WeLayerCounts we_count_layer(const float* importance, int32_t n, int32_t groups, uint64_t threshold_key,
                             const WeOptions& options);

// Local selection of one layer (§1.4; §1.10 for WE-G / WE-L): we_count_layer, then the fallback. `fallback_period` is
// (#conv layers)/ln_c, or <= 0 for no fallback; `fallback_counter` is the pool's counter, which
// persists across layers and epochs.
WeLayerSelection we_select_layer(const float* importance, int32_t n, int32_t groups, uint64_t threshold_key,
                                 const WeOptions& options, double fallback_period, int64_t* fallback_counter);

// (dominant, inferior) filter pairs, as ids in the filter table; pairs are disjoint.
struct WePairs {
  std::vector<int32_t> dominant;
  std::vector<int32_t> inferior;
  void resize(size_t n) {
    dominant.resize(n);
    inferior.resize(n);
  }
  size_t size() const { return inferior.size(); }
};

// Orders the layer by (importance descending, index ascending) and writes its sel.n_pairs pairs to
// dominant[0, n_pairs) and inferior[0, n_pairs): forward matching zips the descending dominant list
// with the descending inferior list; reverse (WE-RM) zips it with the ascending inferior list.
// `first_filter` is the layer's first table id. Layers are independent of each other. `scratch`
// grows to 3n entries if smaller (size it beforehand to keep allocations out of a parallel loop).
void we_match_layer(const float* importance, int32_t n, int32_t first_filter, const WeLayerSelection& sel,
                    WeMatching matching, std::vector<uint64_t>& scratch, int32_t* dominant, int32_t* inferior);

}  // namespace revive
