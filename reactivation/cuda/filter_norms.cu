// launch_filter_norm_l1 (filter_norms_cuda.h): the plain L1 and the average L1 (importance,
// docs/weight-evolution.md §1.2) of every filter of every layer in ONE launch over the arena (ARCHITECTURE.md decision 4),
// in the summation order filter_norms.h defines, so the sums equal filter_norm_l1_cpu's bit for
// bit: lane l of a half-warp adds elements l, l+16, ... in increasing order from +0, then the lanes
// combine by shuffle-down 8, 4, 2, 1, which is filter_norm_combine's halving tree.
//
// Versions: one grid-stride kernel, a half-warp per filter (BN scalars included: |x| directly, as
// the CPU writes them, which also keeps a NaN's payload).
#include "kernels/cuda/launch.cuh"
#include "reactivation/cuda/filter_norms_cuda.h"
#include "reactivation/filter_norms.h"

namespace revive::reactivation_cuda {

static_assert(kFilterNormLanes == 16, "a filter is summed by a half-warp");

static __global__ void filter_norms_kernel(int32_t n_filters, const int32_t* filter_layer,
                                           const int64_t* filter_offset, const int32_t* filter_len,
                                           const float* divisor, const float* arena, float* l1, float* importance) {
  const int lane = threadIdx.x % kFilterNormLanes;
  const int64_t half = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kFilterNormLanes;
  const int64_t n_halves = static_cast<int64_t>(gridDim.x) * blockDim.x / kFilterNormLanes;
  // Both halves of a warp run the same number of iterations, so the full-warp shuffles are legal.
  const int64_t first = half & ~int64_t{1};
  for (int64_t base = first; base < n_filters; base += n_halves) {
    const int64_t f = base + (half & 1);
    const bool active = f < n_filters;
    int32_t len = 0;
    const float* p = nullptr;
    if (active) {
      len = filter_len[filter_layer[f]];
      p = arena + filter_offset[f];
    }
    float acc = 0.0f;
    if (len > 1) {
      for (int32_t e = lane; e < len; e += kFilterNormLanes) acc += fabsf(p[e]);
    }
    for (int w = kFilterNormLanes / 2; w > 0; w >>= 1) acc += __shfl_down_sync(0xffffffffu, acc, w, kFilterNormLanes);
    if (active && lane == 0) {
      if (len == 1) {
        l1[f] = importance[f] = fabsf(p[0]);
      } else {
        l1[f] = acc;
        importance[f] = acc / divisor[filter_layer[f]];
      }
    }
  }
}

void launch_filter_norm_l1(int32_t n_filters, const int32_t* filter_layer, const int64_t* filter_offset,
                           const int32_t* filter_len, const float* divisor, const float* arena, float* l1,
                           float* importance, cudaStream_t stream) {
  if (n_filters == 0) return;
  constexpr int64_t kFiltersPerBlock = kernels::cuda::kBlock / kFilterNormLanes;
  const int64_t blocks = (n_filters + kFiltersPerBlock - 1) / kFiltersPerBlock;
  filter_norms_kernel<<<static_cast<unsigned>(blocks < kernels::cuda::kMaxBlocks ? blocks : kernels::cuda::kMaxBlocks),
                        kernels::cuda::kBlock, 0, stream>>>(n_filters, filter_layer, filter_offset, filter_len,
                                                            divisor, arena, l1, importance);
  REVIVE_CUDA_CHECK_LAUNCH_ON(stream);
}

}  // namespace revive::reactivation_cuda
