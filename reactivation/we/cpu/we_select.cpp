#include "reactivation/we/we_select.h"

#include <algorithm>
#include <cstdint>

#include "reactivation/select_keys.h"
#include "reactivation/we/we_math.h"

namespace revive {

void we_global_thresholds(WeThresholdPool* pools, int n_pools) { select_pool_thresholds(pools, n_pools); }

uint64_t we_global_threshold(std::vector<uint32_t>& keys, int64_t k) {
  WeThresholdPool pool{keys.data(), static_cast<int64_t>(keys.size()), k};
  we_global_thresholds(&pool, 1);
  return pool.threshold;
}

namespace {

// Entries whose relative importance is within lambda (we_ri_limit), the max taken over the layer,
// or over the entry's group with group_aware_ri (§1.4).
void count_relative_importance(const float* importance, int32_t n, int32_t groups, const WeOptions& o,
                               WeLayerCounts& c) {
  const int32_t n_groups = o.group_aware_ri ? groups : 1;
  const int32_t per_group = n / n_groups;
  const float lambda = static_cast<float>(o.ri_threshold);
  int32_t count = 0;
  float limit = 0;
  for (int32_t g = 0; g < n_groups; ++g) {
    const float* v = importance + static_cast<int64_t>(g) * per_group;
    // Keys are <= 0x7fffffff, so a signed maximum (a SIMD instruction) orders them.
    int32_t max_key = 0;
    for (int32_t j = 0; j < per_group; ++j) max_key = std::max(max_key, static_cast<int32_t>(magnitude_key(v[j])));
    limit = we_ri_limit(lambda, static_cast<uint32_t>(max_key));
    // The comparison is chosen outside the loop, which then vectorises.
    if (o.ri_inclusive) {
      for (int32_t j = 0; j < per_group; ++j) count += we_ri_within(v[j], limit, true);
    } else {
      for (int32_t j = 0; j < per_group; ++j) count += we_ri_within(v[j], limit, false);
    }
  }
  c.n_ri = count;
  c.ri_bound = we_ri_bound(limit, o.ri_inclusive, n_groups);
}

}  // namespace

WeLayerCounts we_count_layer(const float* importance, int32_t n, int32_t groups, uint64_t threshold_key,
                             const WeOptions& o) {
  WeLayerCounts c;
  if (o.selection != WeSelection::kLocalOnly) {
    if (threshold_key > 0x7fffffffu) {
      c.n_tbd = n;  // every key is <= 0x7fffffff
    } else {
      const int32_t th = static_cast<int32_t>(threshold_key);
      for (int32_t j = 0; j < n; ++j) c.n_tbd += static_cast<int32_t>(magnitude_key(importance[j])) < th;
    }
  }
  if (we_selection_is_local(o.selection, c.n_tbd)) count_relative_importance(importance, n, groups, o, c);
  return c;
}

WeLayerSelection we_select_layer(const float* importance, int32_t n, int32_t groups, uint64_t threshold_key,
                                 const WeOptions& o, double fallback_period, int64_t* fallback_counter) {
  const WeLayerCounts c = we_count_layer(importance, n, groups, threshold_key, o);
  return we_finish_layer_selection(n, c.n_tbd, c.n_ri, c.ri_bound, threshold_key, o.selection, fallback_period,
                                   fallback_counter);
}

void we_match_layer(const float* importance, int32_t n, int32_t first_filter, const WeLayerSelection& sel,
                    WeMatching matching, std::vector<uint64_t>& scratch, int32_t* dominant, int32_t* inferior_out) {
  if (sel.n_pairs == 0) return;
  // Keys are unique, so the order is the stable one. Only its first n_pairs (dominants) and last
  // c (inferior) positions are used: the inferior are selected among the entries below the bound,
  // the dominants among all, and only those are sorted.
  const int32_t c = sel.n_inferior, p = sel.n_pairs;  // p <= n - c
  // Grow only: shrinking and growing again would zero-fill the buffer for every other layer.
  if (scratch.size() < 3 * static_cast<size_t>(n)) scratch.resize(3 * static_cast<size_t>(n));
  uint64_t* order = scratch.data();  // the dominants end up in order[0, p), sorted
  uint64_t* candidates = order + n;
  uint64_t* spare = candidates + n;
  int32_t n_candidates = 0;
  const uint64_t bound = sel.inferior_bound;  // a local, which the stores below cannot alias
  // The inferior are the c largest order keys: complemented, they are the c smallest, and equal
  // magnitudes then come by descending index, as the tail of the ascending order has them.
  for (int32_t j = 0; j < n; ++j) {
    const uint32_t key = magnitude_key(importance[j]);
    const uint64_t order_key = descending_order_key(key, static_cast<uint32_t>(j));
    order[j] = order_key;
    candidates[n_candidates] = ~order_key;
    n_candidates += key < bound;
  }
  if (n_candidates < c) {
    // A bound that excludes an inferior entry would be a bug upstream; stay correct (every entry
    // a candidate) rather than throw inside a parallel loop.
    for (int32_t j = 0; j < n; ++j) candidates[j] = ~order[j];
    n_candidates = n;
  }
  select_smallest_sorted(order, n, p, spare);
  select_smallest_sorted(candidates, n_candidates, c, spare);
  // candidates[0, c) hold the inferior list from the last in order to the first: turn it around.
  uint64_t* inferior = candidates;
  std::reverse(inferior, inferior + c);
  for (int32_t k = 0; k < c; ++k) inferior[k] = ~inferior[k];
  if (matching == WeMatching::kReverse) {
    // The ascending inferior list is itself a stable sort (§0.2): ties keep ascending
    // index order, so it is not the descending list reversed.
    for (int32_t k = 0; k < c; ++k)
      inferior[k] = ascending_order_key(descending_order_key_magnitude(inferior[k]), order_key_index(inferior[k]));
    std::sort(inferior, inferior + c);
  }
  for (int32_t k = 0; k < p; ++k) {
    dominant[k] = first_filter + static_cast<int32_t>(order_key_index(order[k]));
    inferior_out[k] = first_filter + static_cast<int32_t>(order_key_index(inferior[k]));
  }
}

}  // namespace revive
