#include "reactivation/tensor_entropy.h"

#include <cmath>

namespace revive {

void tensor_entropy_bins(const float* x, int64_t n, int64_t* counts) {
  for (int b = 0; b < kEntropyBins; ++b) counts[b] = 0;
  if (n <= 0) return;
  float lo = x[0], hi = x[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = nan_min(lo, x[i]);
    hi = nan_max(hi, x[i]);
  }
  float edges[kEntropyBins + 1];
  entropy_bin_edges(lo, hi, edges);
  for (int64_t i = 0; i < n; ++i) {
    const int b = entropy_bin(x[i], edges);
    if (b < kEntropyBins) ++counts[b];
  }
}

float entropy_from_bin_counts(const int64_t* counts, int64_t n) {
  float h = 0.0f;
  if (n <= 0) return h;
  for (int b = 0; b < kEntropyBins; ++b) {
    if (counts[b] <= 0) continue;
    const float p = static_cast<float>(counts[b]) / static_cast<float>(n);
    const float term = p * std::log(p);  // rounded on its own, as PyTorch's separate ops do
    h = h - term;
  }
  return h;
}

float tensor_entropy(const float* x, int64_t n) {
  int64_t counts[kEntropyBins];
  tensor_entropy_bins(x, n, counts);
  return entropy_from_bin_counts(counts, n);
}

}  // namespace revive
