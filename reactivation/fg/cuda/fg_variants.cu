// The variants of §2.7 on CUDA, after stage (a) has the filters' L1 norms:
//   noise_kernel: a warp per (network, conv filter); a filter below theta gets fg_noise_normal's draws
//     (the CPU's numbers: same counters, + - * / sqrt only) times sigma.
//   internal_kernel: a block per (network, conv): each filter's rank in the stable (L1, index) order
//     by counting (the CPU sorts the same unique keys), then the loop over the k filters below
//     theta in order, a barrier between steps, since past the middle a step reads an earlier one's
//     target.
//   channel_kernel + filter_blend_kernel: the BN channels' coefficients |g| / (|g| + |g'|) from the
//     pre-graft gammas, then every BN tensor and conv weight blended on the ring as in fg_blend.cu.
#include "kernels/cuda/launch.cuh"
#include "reactivation/fg/cuda/fg_device.h"
#include "reactivation/fg/fg_noise.h"
#include "reactivation/order_keys.h"

namespace revive::fg_cuda {

static __global__ void noise_kernel(DeviceLayout d, DeviceScratch s, float theta, float sigma, uint64_t seed,
                                    uint32_t epoch) {
  const int lane = threadIdx.x % 32;
  const int64_t total = d.n_filters * d.n_models;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * blockDim.x / 32;
  for (int64_t idx = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32; idx < total; idx += warps) {
    if (!(s.l1[idx] < theta)) continue;
    const int m = static_cast<int>(idx / d.n_filters);
    const int64_t f = idx % d.n_filters;
    const int32_t g = d.filter_group[f];
    const int32_t len = d.group_filter_len[g];
    const uint32_t local = static_cast<uint32_t>(f - d.group_first_filter[g]);
    float* p = d.arenas[m] + d.group_offset[g] + static_cast<int64_t>(local) * len;
    for (int32_t e = lane; e < len; e += 32) {
      const uint32_t element = local * static_cast<uint32_t>(len) + static_cast<uint32_t>(e);
      p[e] = p[e] + fg_noise_normal(seed, epoch, static_cast<uint32_t>(m), static_cast<uint32_t>(g), element) * sigma;
    }
    if (lane == 0) atomicAdd(s.counts + s.counts_layout.rewritten + m, 1ull);
  }
}

void launch_noise(const DeviceLayout& d, const DeviceScratch& s, float theta, float sigma, uint64_t seed,
                  uint32_t epoch, cudaStream_t stream) {
  const int64_t total = d.n_filters * d.n_models;
  if (total == 0) return;
  const int64_t blocks = (total + kThreads / 32 - 1) / (kThreads / 32);
  noise_kernel<<<static_cast<unsigned>(blocks < kernels::cuda::kMaxBlocks ? blocks : kernels::cuda::kMaxBlocks),
                 kThreads, 0, stream>>>(d, s, theta, sigma, seed, epoch);
  REVIVE_CUDA_CHECK_LAUNCH();
}

static __global__ void internal_kernel(DeviceLayout d, DeviceScratch s, float theta) {
  __shared__ int32_t below;
  const int m = static_cast<int>(blockIdx.x / d.n_groups);
  const int32_t g = static_cast<int32_t>(blockIdx.x % d.n_groups);
  const int32_t n = d.group_filters[g], len = d.group_filter_len[g];
  const int64_t first = static_cast<int64_t>(m) * d.n_filters + d.group_first_filter[g];
  const float* l1 = s.l1 + first;
  int32_t* order = s.order + first;
  if (threadIdx.x == 0) below = 0;
  __syncthreads();
  int32_t mine = 0;
  for (int32_t f = threadIdx.x; f < n; f += blockDim.x) {
    const uint64_t key = ascending_order_key(magnitude_key(l1[f]), static_cast<uint32_t>(f));
    int32_t rank = 0;
    for (int32_t j = 0; j < n; ++j)
      rank += ascending_order_key(magnitude_key(l1[j]), static_cast<uint32_t>(j)) < key ? 1 : 0;
    order[rank] = f;
    mine += l1[f] < theta ? 1 : 0;
  }
  atomicAdd(&below, mine);
  __syncthreads();
  // Sorted ascending, the filters below theta come first: the loop stops after `below` steps.
  float* x = d.arenas[m] + d.group_offset[g];
  for (int32_t j = 0; j < below; ++j) {
    float* dst = x + static_cast<int64_t>(order[j]) * len;
    const float* src = x + static_cast<int64_t>(order[n - 1 - j]) * len;
    for (int32_t e = threadIdx.x; e < len; e += blockDim.x) dst[e] = dst[e] + src[e];
    __syncthreads();
  }
  if (threadIdx.x == 0 && below > 0)
    atomicAdd(s.counts + s.counts_layout.rewritten + m, static_cast<unsigned long long>(below));
}

void launch_internal(const DeviceLayout& d, const DeviceScratch& s, float theta, cudaStream_t stream) {
  const int64_t blocks = static_cast<int64_t>(d.n_groups) * d.n_models;
  if (blocks == 0) return;
  internal_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(d, s, theta);
  REVIVE_CUDA_CHECK_LAUNCH();
}

static __global__ void channel_kernel(DeviceLayout d, DeviceScratch s) {
  REVIVE_CUDA_KERNEL_LOOP(i, d.n_channels * d.n_models) {
    const int m = static_cast<int>(i / d.n_channels), prev = (m + d.n_models - 1) % d.n_models;
    const int64_t c = i % d.n_channels;
    const float gs = d.arenas[m][d.channel_gamma[c]], gp = d.arenas[prev][d.channel_gamma[c]];
    const float den = fabsf(gs) + fabsf(gp);
    const bool ok = den > 0.0f && isfinite(den);
    s.channel_w[i] = ok ? fabsf(gs) / den : 1.0f;
    s.channel_ok[i] = ok ? 1 : 0;
  }
}

static __device__ float channel_weight(const DeviceLayout& d, const DeviceScratch& s, int m, int32_t bn, int64_t c) {
  return bn < 0 ? 1.0f : s.channel_w[static_cast<int64_t>(m) * d.n_channels + d.bn_first_channel[bn] + c];
}

static __global__ void filter_blend_kernel(DeviceLayout d, DeviceScratch s) {
  for (int32_t t = blockIdx.x; t < d.n_filter_tiles; t += gridDim.x) {
    const int32_t g = d.ftile_group[t], bn = d.ftile_bn[t], buffer = d.ftile_buffer[t];
    const int64_t begin = d.ftile_begin[t];
    for (int32_t i = threadIdx.x; i < d.ftile_len[t]; i += blockDim.x) {
      const int64_t e = begin + i;  // element within the tensor
      const auto at = [&](int k) {
        return buffer >= 0 ? static_cast<float*>(d.buffers[static_cast<int64_t>(buffer) * d.n_models + k]) + e
                           : d.arenas[k] + d.ftile_offset[t] + e;
      };
      float prev = *at(d.n_models - 1);
      for (int k = 0; k < d.n_models; ++k) {
        float we;
        if (g >= 0) {  // conv element (o, j, .): w_input[channel of j] w_own[o]
          const int32_t flen = d.group_filter_len[g], ks = d.group_kernel_size[g], in = d.group_in_per_group[g];
          const int64_t o = e / flen, j = (e % flen) / ks;
          const int64_t channel = (o / d.group_out_per_group[g]) * in + j;
          we = channel_weight(d, s, k, d.group_input_bn[g], channel) * channel_weight(d, s, k, d.group_own_bn[g], o);
        } else {
          we = channel_weight(d, s, k, bn, e);
        }
        float* x = at(k);
        const float cur = *x;
        *x = fg_blend(cur, prev, {we, 1.0f - we});
        prev = cur;
      }
    }
  }
}

void launch_filter_level(const DeviceLayout& d, const DeviceScratch& s, cudaStream_t stream) {
  const int64_t n = d.n_channels * d.n_models;
  if (n > 0) {
    const int64_t blocks = (n + kThreads - 1) / kThreads;
    channel_kernel<<<static_cast<unsigned>(blocks < kernels::cuda::kMaxBlocks ? blocks : kernels::cuda::kMaxBlocks),
                     kThreads, 0, stream>>>(d, s);
    REVIVE_CUDA_CHECK_LAUNCH();
  }
  if (d.n_filter_tiles == 0) return;
  const int64_t tiles = d.n_filter_tiles < kernels::cuda::kMaxBlocks ? d.n_filter_tiles : kernels::cuda::kMaxBlocks;
  filter_blend_kernel<<<static_cast<unsigned>(tiles), kThreads, 0, stream>>>(d, s);
  REVIVE_CUDA_CHECK_LAUNCH();
}

}  // namespace revive::fg_cuda
