// Stage (b) of Weight Evolution on CUDA: the global threshold of each pool (spec 1.3), the key of
// sorted_pool[k] as we_global_threshold computes it, by the same radix select on magnitude keys
// (most significant byte first, a 256-bucket histogram per pass). Integer counts only, so the
// result is exact whatever the order of the atomics. The conv pool's block also counts the conv
// filters below the report's dead-filter thresholds (kWeDeadThresholds, compared in double).
//
// Versions: one block per pool (three blocks); pools hold at most tens of thousands of filters, so
// one block reading them four times from L2 costs less than a device-wide selection's launches.
#include <cub/block/block_reduce.cuh>

#include "kernels/cuda/launch.cuh"
#include "reactivation/we/cuda/we_device.h"

namespace revive::we_cuda {
namespace {

constexpr int kThreads = 1024;

__device__ uint32_t pool_key(const DeviceTable& t, const float* importance, int32_t i) {
  return magnitude_key(importance[t.pool_filter[i]]);
}

__device__ void count_dead(const DeviceTable& t, const StepParams& p, const float* importance, Counts* counts) {
  using Reduce = cub::BlockReduce<unsigned long long, kThreads>;
  __shared__ typename Reduce::TempStorage temp;
  for (int d = 0; d < 3; ++d) {
    unsigned long long below = 0;
    for (int32_t i = t.pool_begin[kConvPool] + threadIdx.x; i < t.pool_begin[kConvPool + 1]; i += kThreads)
      below += static_cast<double>(importance[t.pool_filter[i]]) < p.dead_threshold[d];
    below = Reduce(temp).Sum(below);
    if (threadIdx.x == 0) counts->conv_below[d] = below;
    __syncthreads();
  }
}

}  // namespace

static __global__ void __launch_bounds__(kThreads) thresholds_kernel(DeviceTable t, StepParams p,
                                                                     const float* importance, uint64_t* threshold,
                                                                     Counts* counts) {
  const int pool = blockIdx.x;
  if (pool == kConvPool) count_dead(t, p, importance, counts);
  if (!p.enabled[pool]) return;
  const int32_t begin = t.pool_begin[pool], end = t.pool_begin[pool + 1];
  long long k = p.threshold_rank[pool];
  if (k >= end - begin) {
    // k = |pool| is reachable with rate 1: every entry is below the threshold (we_global_threshold).
    if (threadIdx.x == 0) threshold[pool] = uint64_t{1} << 32;
    return;
  }
  __shared__ unsigned hist[256];
  __shared__ uint32_t chosen_prefix;
  __shared__ long long chosen_rank;
  uint32_t prefix = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int b = threadIdx.x; b < 256; b += kThreads) hist[b] = 0;
    __syncthreads();
    // The entries that share the bytes chosen so far.
    const uint32_t high = shift == 24 ? 0u : 0xffffffffu << (shift + 8);
    for (int32_t i = begin + threadIdx.x; i < end; i += kThreads) {
      const uint32_t key = pool_key(t, importance, i);
      if ((key & high) == prefix) atomicAdd(&hist[(key >> shift) & 0xffu], 1u);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      uint32_t bucket = 0;
      for (;; ++bucket) {
        if (static_cast<long long>(hist[bucket]) > k) break;
        k -= hist[bucket];
      }
      chosen_prefix = prefix | (bucket << shift);
      chosen_rank = k;
    }
    __syncthreads();
    prefix = chosen_prefix;
    k = chosen_rank;
  }
  if (threadIdx.x == 0) threshold[pool] = prefix;
}

void launch_thresholds(const DeviceTable& t, const StepParams& p, const DeviceScratch& s) {
  thresholds_kernel<<<kPools, kThreads, 0, kernels::cuda::stream()>>>(t, p, s.importance, s.threshold, s.counts);
  REVIVE_CUDA_CHECK_LAUNCH();
}

}  // namespace revive::we_cuda
