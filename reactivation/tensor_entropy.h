// The entropy of a tensor's values as Filter Grafting measures a layer (docs/filter-grafting.md
// §2.4): 10 half-open bins of equal width over the tensor's own [min, max], p_b = count_b / n,
// H = -sum over bins with p_b > 0 of p_b ln p_b (natural log), all in float32 in bin order, as the
// published grafting.py computes it. The element(s) equal to the max usually fall in no bin, so the
// p_b may sum to less than 1. A constant tensor (every bin empty), an empty one or one holding a NaN
// or an infinity (NaN edges: no bin holds anything) has H = 0.
//
// The per-element parts are REVIVE_HD, so that Filter Grafting's CPU loops and CUDA kernels decide
// bins by exactly these lines (reactivation CUDA files are compiled without FMA contraction); the
// study's census and `revive inspect` call tensor_entropy().
#pragma once

#include <cstdint>

#include "core/hd.h"

namespace revive {

constexpr int kEntropyBins = 10;  // §2.4, grafting.py's n = 10

// min/max that return NaN once either side is NaN, as torch's x.min()/x.max() do; the result does
// not depend on the order of the reduction (but for the sign of a zero, which no edge sees).
REVIVE_HD float nan_min(float m, float x) { return (x < m || x != x) ? x : m; }
REVIVE_HD float nan_max(float m, float x) { return (x > m || x != x) ? x : m; }

// The 11 edges of the bins of a tensor with range [lo, hi], computed as grafting.py does in
// float32: s = (hi - lo) / 10, edge[b] = lo + b*s. Bin b holds edge[b] <= x < edge[b+1] (half open,
// so the max usually falls in none). The edges never decrease in b, so the bins are disjoint. A NaN
// or infinite range makes every edge NaN or the first one NaN (0*inf), and then no bin holds anything.
REVIVE_HD void entropy_bin_edges(float lo, float hi, float* edges) {
  const float s = (hi - lo) / static_cast<float>(kEntropyBins);
  for (int b = 0; b <= kEntropyBins; ++b) edges[b] = lo + static_cast<float>(b) * s;
}

// The bin of x (0..9) under entropy_bin_edges, or kEntropyBins when x lies in none (x >= edge[10],
// a NaN x or NaN edges). As the edges never decrease, the bin is the number of edges 1..10 at or
// below x.
REVIVE_HD int entropy_bin(float x, const float* edges) {
  if (!(x >= edges[0])) return kEntropyBins;
  int b = 0;
  for (int j = 1; j <= kEntropyBins; ++j) b += x >= edges[j] ? 1 : 0;
  return b;
}

// The counts of the 10 bins of x[0..n) (elements in no bin are not counted).
void tensor_entropy_bins(const float* x, int64_t n, int64_t* counts);

// H from the bins' counts over n elements, in float32 in bin order (0 when n <= 0 or every count
// is 0, where the published code crashes: its sum stays the integer 0).
float entropy_from_bin_counts(const int64_t* counts, int64_t n);

// H(x[0..n)): the two above.
float tensor_entropy(const float* x, int64_t n);

}  // namespace revive
