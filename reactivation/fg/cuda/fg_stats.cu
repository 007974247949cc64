// Stages (a) and (b) of Filter Grafting on CUDA, each one launch over every network and group:
//   filter_stats_kernel: a half-warp per (network, conv filter): its L1 norm in the order of
//     reactivation/filter_norms.h (lane l adds elements l, l+16, ... from +0, then shuffle-down 8, 4,
//     2, 1, which is filter_norm_combine's tree), so the sums equal the CPU's bit for bit; its
//     NaN-propagating min and max.
//   bins_kernel: a block per (network, chunk): the group's range folded from its filters' min/max
//     (an order-free reduction), the edges of entropy_bin_edges, each element's entropy_bin counted in
//     registers, summed per warp and added to the group's counts (integer atomics: exact).
#include "kernels/cuda/launch.cuh"
#include "reactivation/fg/cuda/fg_device.h"
#include "reactivation/filter_norms.h"

namespace revive::fg_cuda {

static_assert(kFilterNormLanes == 16, "a filter is summed by a half-warp");
static_assert(kThreads % 32 == 0, "whole warps");

static __global__ void filter_stats_kernel(DeviceLayout d, DeviceScratch s) {
  const int lane = threadIdx.x % kFilterNormLanes;
  const int64_t total = d.n_filters * d.n_models;
  const int64_t half = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kFilterNormLanes;
  const int64_t n_halves = static_cast<int64_t>(gridDim.x) * blockDim.x / kFilterNormLanes;
  // Both halves of a warp run the same number of iterations, so the full-warp shuffles are legal.
  for (int64_t base = half & ~int64_t{1}; base < total; base += n_halves) {
    const int64_t idx = base + (half & 1);
    const bool active = idx < total;
    float acc = 0.0f, lo = INFINITY, hi = -INFINITY;
    int m = 0;
    if (active) {
      m = static_cast<int>(idx / d.n_filters);
      const int64_t f = idx % d.n_filters;
      const int32_t g = d.filter_group[f];
      const int32_t len = d.group_filter_len[g];
      const float* p = d.arenas[m] + d.group_offset[g] + (f - d.group_first_filter[g]) * len;
      for (int32_t e = lane; e < len; e += kFilterNormLanes) {
        const float x = p[e];
        acc += fabsf(x);
        lo = nan_min(lo, x);
        hi = nan_max(hi, x);
      }
    }
    for (int w = kFilterNormLanes / 2; w > 0; w >>= 1) {
      acc += __shfl_down_sync(0xffffffffu, acc, w, kFilterNormLanes);
      lo = nan_min(lo, __shfl_down_sync(0xffffffffu, lo, w, kFilterNormLanes));
      hi = nan_max(hi, __shfl_down_sync(0xffffffffu, hi, w, kFilterNormLanes));
    }
    if (active && lane == 0) {
      s.l1[idx] = acc;
      s.fmin[idx] = lo;
      s.fmax[idx] = hi;
    }
  }
}

void launch_filter_stats(const DeviceLayout& d, const DeviceScratch& s, cudaStream_t stream) {
  const int64_t total = d.n_filters * d.n_models;
  if (total == 0) return;
  constexpr int64_t kFiltersPerBlock = kThreads / kFilterNormLanes;
  const int64_t blocks = (total + kFiltersPerBlock - 1) / kFiltersPerBlock;
  filter_stats_kernel<<<static_cast<unsigned>(blocks < kernels::cuda::kMaxBlocks ? blocks : kernels::cuda::kMaxBlocks),
                        kThreads, 0, stream>>>(d, s);
  REVIVE_CUDA_CHECK_LAUNCH();
}

static __global__ void bins_kernel(DeviceLayout d, DeviceScratch s) {
  __shared__ float lo_part[kThreads / 32], hi_part[kThreads / 32];
  __shared__ unsigned int block_bins[kEntropyBins];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (int64_t item = blockIdx.x; item < static_cast<int64_t>(d.n_chunks) * d.n_models; item += gridDim.x) {
    const int m = static_cast<int>(item / d.n_chunks);
    const int32_t c = static_cast<int32_t>(item % d.n_chunks);
    const int32_t g = d.chunk_group[c];
    // The group's range.
    const int64_t first = static_cast<int64_t>(m) * d.n_filters + d.group_first_filter[g];
    float lo = INFINITY, hi = -INFINITY;
    for (int32_t f = threadIdx.x; f < d.group_filters[g]; f += blockDim.x) {
      lo = nan_min(lo, s.fmin[first + f]);
      hi = nan_max(hi, s.fmax[first + f]);
    }
    for (int w = 16; w > 0; w >>= 1) {
      lo = nan_min(lo, __shfl_down_sync(0xffffffffu, lo, w));
      hi = nan_max(hi, __shfl_down_sync(0xffffffffu, hi, w));
    }
    if (lane == 0) {
      lo_part[warp] = lo;
      hi_part[warp] = hi;
    }
    if (threadIdx.x < kEntropyBins) block_bins[threadIdx.x] = 0;
    __syncthreads();
    lo = lo_part[0];
    hi = hi_part[0];
    for (int w = 1; w < static_cast<int>(blockDim.x / 32); ++w) {
      lo = nan_min(lo, lo_part[w]);
      hi = nan_max(hi, hi_part[w]);
    }
    float edges[kEntropyBins + 1];
    entropy_bin_edges(lo, hi, edges);
    // The chunk's elements.
    const int32_t len = d.group_filter_len[g];
    const float* p = d.arenas[m] + d.group_offset[g] + static_cast<int64_t>(d.chunk_filter_begin[c]) * len;
    const int64_t n = static_cast<int64_t>(d.chunk_filter_end[c] - d.chunk_filter_begin[c]) * len;
    unsigned int count[kEntropyBins];
#pragma unroll
    for (int b = 0; b < kEntropyBins; ++b) count[b] = 0;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
      const int bin = entropy_bin(p[i], edges);
#pragma unroll
      for (int b = 0; b < kEntropyBins; ++b) count[b] += bin == b ? 1u : 0u;
    }
#pragma unroll
    for (int b = 0; b < kEntropyBins; ++b) {
      const unsigned int sum = __reduce_add_sync(0xffffffffu, count[b]);
      if (lane == 0 && sum != 0) atomicAdd(&block_bins[b], sum);
    }
    __syncthreads();
    if (threadIdx.x < kEntropyBins && block_bins[threadIdx.x] != 0) {
      atomicAdd(s.counts + s.counts_layout.bins + (static_cast<int64_t>(m) * d.n_groups + g) * kEntropyBins + threadIdx.x,
                static_cast<unsigned long long>(block_bins[threadIdx.x]));
    }
    __syncthreads();  // the shared arrays are reused by the next item
  }
}

void launch_bins(const DeviceLayout& d, const DeviceScratch& s, cudaStream_t stream) {
  const int64_t items = static_cast<int64_t>(d.n_chunks) * d.n_models;
  if (items == 0) return;
  bins_kernel<<<static_cast<unsigned>(items < kernels::cuda::kMaxBlocks ? items : kernels::cuda::kMaxBlocks), kThreads,
                0, stream>>>(d, s);
  REVIVE_CUDA_CHECK_LAUNCH();
}

}  // namespace revive::fg_cuda
