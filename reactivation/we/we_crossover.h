// Stage (e) of Weight Evolution (docs/weight-evolution.md §1.6): rewrites each inferior filter of the
// (dominant, inferior) pairs in the arena. Per pair, by layer:
//   BN scalar:  x_i <- alpha*x_i + (1-alpha)*x_d, alpha = |x_i|/(|x_i|+|x_d|) or fixed (1.6c);
//   filter level (level=filter, or the layers chosen by options.filter_level_blend; 1.6a):
//               W[i] <- alpha*W[i] + (1-alpha)*W[d], alpha = L1(W[i])/(L1(W[i])+L1(W[d])) or fixed;
//   element:    for every slice s, l = W[d,s] element of max |.|, m = W[i,s] element of min |.|
//               (first in row-major order on ties) and m <- paper Eq. 5-6, or fixed alpha, at the
//               argmin only; or the reference harmonic 2ml/(m+l) written to every element == m (1.6b).
// Zero denominators and non-finite results are skipped and counted, never written.
#pragma once

#include <array>
#include <cstdint>

#include "reactivation/filter_table.h"
#include "reactivation/we/we_math.h"
#include "reactivation/we/we_options.h"
#include "reactivation/we/we_select.h"

namespace revive {

struct WeCrossoverCounts {
  int64_t updated_elements = 0;          // elements written
  int64_t skipped_zero_denominator = 0;  // slices, filters or scalars whose blend had a zero denominator
  int64_t skipped_non_finite = 0;        // blends (slice, filter alpha, element, scalar) that were not finite
};

// True when a conv layer's pairs use the filter-level blend rather than the element crossover.
bool we_uses_filter_level(const FilterTable& table, int layer, const WeOptions& options);

WeBlendParams we_blend_params(const WeOptions& options);

// `l1` is the plain L1 of every filter (filter_norm_l1_cpu) before any rewrite. The two filters of
// a pair are in one layer, as we_match_layer gives them (the dominant is located within the
// inferior's layer). Counts are added per pool, indexed by ReactivatableKind.
void we_crossover_cpu(const FilterTable& table, float* arena, const float* l1, const WePairs& pairs,
                      const WeOptions& options, std::array<WeCrossoverCounts, kNumReactivatableKinds>& counts);

}  // namespace revive
