// The entropy of a tensor's values as Filter Grafting measures a layer (§2.4, docs/filter-grafting.md):
// 10 half-open bins of equal width over the tensor's own [min, max], p_b = count_b / n,
// H = -sum over bins with p_b > 0 of p_b ln p_b (natural log), all in float32 in bin order, as the
// published grafting.py computes it. The element(s) equal to the max usually fall in no bin, so the
// p_b may sum to less than 1. A constant tensor (every bin empty), an empty one or one holding a NaN
// or an infinity (NaN edges: no bin holds anything) has H = 0.
#pragma once

#include <cstdint>

namespace revive {

constexpr int kEntropyBins = 10;  // §2.4, grafting.py's n = 10

// The counts of the 10 bins of x[0..n) (elements in no bin are not counted).
void tensor_entropy_bins(const float* x, int64_t n, int64_t* counts);

// H from the bins' counts over n elements (0 when n <= 0 or every count is 0).
float entropy_from_bin_counts(const int64_t* counts, int64_t n);

// H(x[0..n)): the two above.
float tensor_entropy(const float* x, int64_t n);

}  // namespace revive
