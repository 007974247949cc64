// Stage (c) of Weight Evolution on CUDA: the local selection of every layer (§1.4, §1.10), as
// we_select_layer computes it on the CPU, in two launches:
//   layer_counts_kernel: one block per layer counts the entries below the pool's threshold and
//     those within lambda of the layer's (or, group-aware, the group's) largest importance;
//   select_kernel: ONE block walks the layers in module order through
//     we_finish_layer_selection, because the fallback counters carry from layer to layer (§1.4,
//     the fallback); a chunk of layers at a time is staged in shared memory so that the serial walk
//     loads nothing from global memory. It also writes each layer's first pair (a prefix sum of n_pairs) and
//     the pools' totals for the report.
#include <cub/block/block_reduce.cuh>
#include <cuda/functional>

#include "kernels/cuda/launch.cuh"
#include "reactivation/we/cuda/we_device.h"

namespace revive::we_cuda {
namespace {

constexpr int kThreads = 256;
constexpr uint64_t kNoBound = uint64_t{1} << 32;

}  // namespace

static __global__ void __launch_bounds__(kThreads) layer_counts_kernel(DeviceTable t, StepParams p,
                                                                       DeviceScratch s) {
  using SumReduce = cub::BlockReduce<int32_t, kThreads>;
  using MaxReduce = cub::BlockReduce<uint32_t, kThreads>;
  __shared__ union {
    typename SumReduce::TempStorage sum;
    typename MaxReduce::TempStorage max;
  } temp;
  __shared__ uint32_t layer_max;
  const int32_t l = blockIdx.x;
  const int kind = t.kind[l];
  if (!p.enabled[kind]) return;
  const int32_t n = t.layer_filters[l];
  const float* importance = s.importance + t.first_filter[l];

  int32_t n_tbd = 0;
  if (p.selection != WeSelection::kLocalOnly) {
    const uint64_t threshold = s.threshold[kind];
    for (int32_t j = threadIdx.x; j < n; j += kThreads) n_tbd += magnitude_key(importance[j]) < threshold;
    n_tbd = SumReduce(temp.sum).Sum(n_tbd);
    __syncthreads();
  }

  // Computed whether or not the layer turns out local: we_finish_layer_selection ignores it then.
  int32_t n_ri = 0;
  uint64_t bound = kNoBound;
  if (p.selection != WeSelection::kGlobalOnly) {
    const int32_t n_groups = p.group_aware_ri ? t.groups[l] : 1;
    if (n_groups == 1) {
      uint32_t max_key = 0;
      for (int32_t j = threadIdx.x; j < n; j += kThreads) max_key = max(max_key, magnitude_key(importance[j]));
      max_key = MaxReduce(temp.max).Reduce(max_key, ::cuda::maximum<uint32_t>{});
      if (threadIdx.x == 0) layer_max = max_key;
      __syncthreads();
      const float limit = we_ri_limit(p.lambda, layer_max);
      for (int32_t j = threadIdx.x; j < n; j += kThreads) n_ri += we_ri_within(importance[j], limit, p.ri_inclusive);
      bound = we_ri_bound(limit, p.ri_inclusive, 1);
    } else {
      // Few groups of few filters (grouped 1x1 convs), or as many groups as filters (depthwise): a
      // thread per group.
      const int32_t per_group = n / n_groups;
      for (int32_t g = threadIdx.x; g < n_groups; g += kThreads) {
        const float* v = importance + static_cast<int64_t>(g) * per_group;
        uint32_t max_key = 0;
        for (int32_t j = 0; j < per_group; ++j) max_key = max(max_key, magnitude_key(v[j]));
        const float limit = we_ri_limit(p.lambda, max_key);
        for (int32_t j = 0; j < per_group; ++j) n_ri += we_ri_within(v[j], limit, p.ri_inclusive);
      }
    }
    n_ri = SumReduce(temp.sum).Sum(n_ri);
  }
  if (threadIdx.x == 0) {
    s.n_tbd[l] = n_tbd;
    s.n_ri[l] = n_ri;
    s.ri_bound[l] = bound;
  }
}

static __global__ void __launch_bounds__(kThreads) select_kernel(DeviceTable t, StepParams p, DeviceScratch s) {
  __shared__ int32_t n_tbd[kThreads], n_ri[kThreads], n[kThreads];
  __shared__ uint64_t ri_bound[kThreads];
  __shared__ uint8_t kind[kThreads];
  // Thread 0's running state.
  int64_t counter[kPools], candidates[kPools] = {}, inferior[kPools] = {}, pairs[kPools] = {}, forced[kPools] = {};
  uint64_t threshold[kPools];
  for (int k = 0; k < kPools; ++k) {
    counter[k] = p.fallback_counter[k];
    threshold[k] = p.enabled[k] ? s.threshold[k] : 0;
  }
  int32_t next_pair = 0;
  for (int32_t chunk = 0; chunk < t.n_layers; chunk += kThreads) {
    const int32_t l = chunk + threadIdx.x;
    if (l < t.n_layers) {
      kind[threadIdx.x] = t.kind[l];
      n[threadIdx.x] = t.layer_filters[l];
      if (p.enabled[t.kind[l]]) {
        n_tbd[threadIdx.x] = s.n_tbd[l];
        n_ri[threadIdx.x] = s.n_ri[l];
        ri_bound[threadIdx.x] = s.ri_bound[l];
      }
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      const int32_t count = min(kThreads, t.n_layers - chunk);
      for (int32_t i = 0; i < count; ++i) {
        const int k = kind[i];
        WeLayerSelection sel;
        if (p.enabled[k]) {
          sel = we_finish_layer_selection(n[i], n_tbd[i], n_ri[i], ri_bound[i], threshold[k], p.selection,
                                          p.fallback_period, &counter[k]);
          candidates[k] += sel.n_tbd;
          inferior[k] += sel.n_inferior;
          pairs[k] += sel.n_pairs;
          forced[k] += sel.fallback_forced;
        }
        // Stores do not stall the walk.
        s.selection[chunk + i] = sel;
        s.pair_offset[chunk + i] = next_pair;
        next_pair += sel.n_pairs;
      }
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    s.pair_offset[t.n_layers] = next_pair;
    for (int k = 0; k < kPools; ++k) {
      s.counts->candidates[k] = candidates[k];
      s.counts->inferior[k] = inferior[k];
      s.counts->pairs[k] = pairs[k];
      s.counts->fallback_forced[k] = forced[k];
      s.counts->fallback_counter[k] = counter[k];
    }
  }
}

void launch_layer_select(const DeviceTable& t, const StepParams& p, const DeviceScratch& s, cudaStream_t stream) {
  if (t.n_layers > 0) {
    layer_counts_kernel<<<static_cast<unsigned>(t.n_layers), kThreads, 0, stream>>>(t, p, s);
    REVIVE_CUDA_CHECK_LAUNCH_ON(stream);
  }
  // Also without layers: it writes the pair count and the fallback counters the report reads.
  select_kernel<<<1, kThreads, 0, stream>>>(t, p, s);
  REVIVE_CUDA_CHECK_LAUNCH_ON(stream);
}

}  // namespace revive::we_cuda
