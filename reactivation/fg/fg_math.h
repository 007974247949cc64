// Per-element math of Filter Grafting (spec reactivation.md 2.4, 2.5, 2.7), REVIVE_HD so the CPU
// loops and the CUDA kernels run exactly these lines (reactivation CUDA files are compiled without
// FMA contraction): the entropy histogram's bin edges and bin decision, the blends, and the
// NaN-propagating min/max the bin range comes from.
#pragma once

#include <cstdint>

#include "core/hd.h"

namespace revive {

constexpr int kFgBins = 10;  // spec 2.4, grafting.py:92 (n=10)

// min/max that return NaN once either side is NaN, as torch's x.min()/x.max() do; the result does
// not depend on the order of the reduction (but for the sign of a zero, which no edge sees).
REVIVE_HD float fg_min(float m, float x) { return (x < m || x != x) ? x : m; }
REVIVE_HD float fg_max(float m, float x) { return (x > m || x != x) ? x : m; }

// The 11 edges of the tensor's bins, computed as grafting.py:95-97 does in float32:
// s = (hi - lo) / 10, edge[b] = lo + b*s. Bin b holds edge[b] <= x < edge[b+1] (half open, so the
// max usually falls in none). The edges never decrease in b, so the bins are disjoint. A NaN or
// infinite range makes every edge NaN or the first one NaN (0*inf), and then no bin holds anything.
REVIVE_HD void fg_bin_edges(float lo, float hi, float* edges) {
  const float s = (hi - lo) / static_cast<float>(kFgBins);
  for (int b = 0; b <= kFgBins; ++b) edges[b] = lo + static_cast<float>(b) * s;
}

// The bin of x (0..9) under fg_bin_edges, or kFgBins when x lies in none (x >= edge[10], a NaN x or
// NaN edges). As the edges never decrease, the bin is the number of edges 1..10 at or below x.
REVIVE_HD int fg_bin(float x, const float* edges) {
  if (!(x >= edges[0])) return kFgBins;
  int b = 0;
  for (int j = 1; j <= kFgBins; ++j) b += x >= edges[j] ? 1 : 0;
  return b;
}

// The two factors of a blend with coefficient w (a double): grafting.py:115 multiplies float32
// tensors by the Python floats w and 1 - w, which PyTorch applies as float32 scalars.
struct FgBlendWeights {
  float self = 1.0f;   // f32(w)
  float scion = 0.0f;  // f32(1 - w)
};

// x_k <- x_k w + x_scion (1 - w), in float32 without fused multiply-add. A blend that takes nothing
// from the scion (a skipped coefficient, see fg_blend_weights) leaves x_k as it is: 0 * Inf would
// otherwise write a NaN.
REVIVE_HD float fg_blend(float self, float scion, FgBlendWeights w) {
  return w.scion == 0.0f ? self : self * w.self + scion * w.scion;
}

// An integer buffer (BN's num_batches_tracked) blended as grafting.py does it: the int64 tensor
// times a Python float is a float32 tensor, which load_state_dict truncates back into the int64
// (so 391 blended with 391 may become 390, spec 2.3). A result beyond int64 (impossible for a
// blend of two counters with weights in [0, 1]) keeps the own value instead of overflowing.
REVIVE_HD int64_t fg_blend_counter(int64_t self, int64_t scion, FgBlendWeights w) {
  if (w.scion == 0.0f) return self;
  const float y = static_cast<float>(self) * w.self + static_cast<float>(scion) * w.scion;
  return (y > -9.2e18f && y < 9.2e18f) ? static_cast<int64_t>(y) : self;
}

}  // namespace revive
