// Stage (e) of Weight Evolution on CUDA: rewrites the inferior filter of every (dominant, inferior)
// pair (§1.6) with the functions the CPU loop runs (we_math.h), so both write the same values:
//   BN scalar:     lane 0, we_blend_paper (1.6c);
//   filter level:  the pair's alpha from the plain L1 sums of stage (a), then a lane per element
//                  (1.6a, we_filter_level);
//   element:       a lane per slice, we_crossover_slice (1.6b): argmax |.| of the dominant slice,
//                  argmin |.| of the inferior slice, first index on ties, paper or harmonic blend.
// Pairs are disjoint, so the pairs' order across warps does not matter. Skipped blends are counted
// (never written); the counts are integers, added with atomics per warp.
//
// Versions: one grid-stride kernel, a warp per pair; the number of pairs is read on the device
// (pair_offset[n_layers]), and the grid is sized for the most pairs a table can have.
#include "kernels/cuda/launch.cuh"
#include "reactivation/we/cuda/we_device.h"

namespace revive::we_cuda {

static __global__ void crossover_kernel(DeviceTable t, StepParams p, float* arena, DeviceScratch s) {
  const int lane = threadIdx.x % 32;
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int64_t n_warps = static_cast<int64_t>(gridDim.x) * blockDim.x / 32;
  const int32_t n_pairs = s.pair_offset[t.n_layers];
  unsigned long long counts[kPools][3] = {};
  for (int64_t pair = warp; pair < n_pairs; pair += n_warps) {
    const int32_t fi = s.inferior[pair], fd = s.dominant[pair];
    const int32_t l = t.filter_layer[fi];
    const int kind = t.kind[l];
    unsigned long long* c = counts[kind];
    float* wi = arena + t.filter_offset[fi];
    const float* wd = arena + t.filter_offset[fd];
    if (kind != kConvPool) {
      if (lane == 0) we_record(we_blend_paper(*wi, *wd, p.blend), wi, c);
    } else if (we_filter_level(true, t.n_slices[l], t.kernel_h[l], p.level, p.filter_level_blend)) {
      float alpha = p.blend.alpha;
      if (!p.blend.alpha_fixed) {
        const AlphaResult a = we_filter_alpha(s.l1[fi], s.l1[fd]);
        if (a.status != BlendStatus::kWritten) {
          if (lane == 0) ++c[a.status == BlendStatus::kZeroDenominator ? 1 : 2];
          continue;
        }
        alpha = a.alpha;
      }
      const int32_t len = t.filter_len[l];
      for (int32_t e = lane; e < len; e += 32) we_record(we_blend_fixed(wi[e], wd[e], alpha), wi + e, c);
    } else {
      const int32_t n_slices = t.n_slices[l], len = t.slice_len[l];
      for (int32_t sl = lane; sl < n_slices; sl += 32) {
        const int64_t at = static_cast<int64_t>(sl) * len;
        we_crossover_slice(wi + at, wd + at, len, p.blend, c);
      }
    }
  }
  for (int k = 0; k < kPools; ++k) {
    for (int i = 0; i < 3; ++i) {
      unsigned long long v = counts[k][i];
      for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
      if (lane == 0 && v != 0) atomicAdd(&s.counts->crossover[k][i], v);
    }
  }
}

void launch_crossover(const DeviceTable& t, const StepParams& p, float* arena, const DeviceScratch& s,
                      cudaStream_t stream) {
  if (t.n_filters < 2) return;
  // At most n_filters / 2 pairs (each layer pairs at most half its filters): a warp each.
  const int64_t max_pairs = t.n_filters / 2;
  crossover_kernel<<<kernels::cuda::linear_blocks(max_pairs * 32), kernels::cuda::kBlock, 0, stream>>>(t, p, arena, s);
  REVIVE_CUDA_CHECK_LAUNCH_ON(stream);
}

}  // namespace revive::we_cuda
