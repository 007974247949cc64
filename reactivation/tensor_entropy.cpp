#include "reactivation/tensor_entropy.h"

#include <cmath>

namespace revive {
namespace {

// min/max that return NaN once either side is NaN, as torch's x.min()/x.max() do.
float nan_min(float m, float x) { return (x < m || x != x) ? x : m; }
float nan_max(float m, float x) { return (x > m || x != x) ? x : m; }

}  // namespace

void tensor_entropy_bins(const float* x, int64_t n, int64_t* counts) {
  for (int b = 0; b < kEntropyBins; ++b) counts[b] = 0;
  if (n <= 0) return;
  float lo = x[0], hi = x[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = nan_min(lo, x[i]);
    hi = nan_max(hi, x[i]);
  }
  // The edges as grafting.py computes them in float32: s = (hi - lo) / 10, edge_b = lo + b s. They
  // never decrease in b, so the bins are disjoint; bin b holds edge_b <= x < edge_{b+1}, which is
  // the count of edges 1..10 at or below x for any x >= edge_0.
  const float s = (hi - lo) / static_cast<float>(kEntropyBins);
  float edges[kEntropyBins + 1];
  for (int b = 0; b <= kEntropyBins; ++b) edges[b] = lo + static_cast<float>(b) * s;
  for (int64_t i = 0; i < n; ++i) {
    if (!(x[i] >= edges[0])) continue;  // NaN values or edges
    int b = 0;
    for (int j = 1; j <= kEntropyBins; ++j) b += x[i] >= edges[j] ? 1 : 0;
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
