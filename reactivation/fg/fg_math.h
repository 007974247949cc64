// Per-element math of Filter Grafting (§2.5, 2.7), REVIVE_HD so the CPU loops
// and the CUDA kernels run exactly these lines (reactivation CUDA files are compiled without FMA
// contraction): the blends. The entropy histogram's bins (2.4) are the shared ones of
// reactivation/tensor_entropy.h.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "reactivation/tensor_entropy.h"

namespace revive {

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
// (so 391 blended with 391 may become 390, §2.3). A result beyond int64 (impossible for a
// blend of two counters with weights in [0, 1]) keeps the own value instead of overflowing.
REVIVE_HD int64_t fg_blend_counter(int64_t self, int64_t scion, FgBlendWeights w) {
  if (w.scion == 0.0f) return self;
  const float y = static_cast<float>(self) * w.self + static_cast<float>(scion) * w.scion;
  return (y > -9.2e18f && y < 9.2e18f) ? static_cast<int64_t>(y) : self;
}

}  // namespace revive
