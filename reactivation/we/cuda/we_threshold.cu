// Stage (b) of Weight Evolution on CUDA: the global threshold of each pool (§1.3), the key of
// sorted_pool[k] as we_global_threshold computes it, by the radix select the methods share on
// magnitude keys (reactivation/cuda/block_select.cuh), exact whatever the order of the atomics.
// The conv pool's block also counts the conv filters below the report's dead-filter thresholds
// (kWeDeadThresholds, compared in double).
//
// Versions: one block per pool (three blocks); pools hold at most tens of thousands of filters, so
// one block reading them four times from L2 costs less than a device-wide selection's launches.
#include <cub/block/block_reduce.cuh>

#include "kernels/cuda/launch.cuh"
#include "reactivation/cuda/block_select.cuh"
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
  const long long k = p.threshold_rank[pool];
  if (k >= end - begin) {
    // k = |pool| is reachable with rate 1: every entry is below the threshold (we_global_threshold).
    if (threadIdx.x == 0) threshold[pool] = uint64_t{1} << 32;
    return;
  }
  __shared__ reactivation_cuda::BlockSelectStorage<uint32_t> storage;
  const uint32_t key = reactivation_cuda::block_select<uint32_t>(
      [&](int32_t i) { return pool_key(t, importance, begin + i); }, end - begin, k, storage);
  if (threadIdx.x == 0) threshold[pool] = key;
}

void launch_thresholds(const DeviceTable& t, const StepParams& p, const DeviceScratch& s, cudaStream_t stream) {
  thresholds_kernel<<<kPools, kThreads, 0, stream>>>(t, p, s.importance, s.threshold, s.counts);
  REVIVE_CUDA_CHECK_LAUNCH_ON(stream);
}

}  // namespace revive::we_cuda
