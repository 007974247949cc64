// Stage (c) of Kernel Reactivation on CUDA: C3 and the rescale (§3.2), a block per filter taking
// part. A block whose filter is not in both S1 and S2 (its keys against stage (b)'s bounds), or
// whose count floor(gamma I_g) is 0, returns at once. Otherwise, as kr_apply_cpu does for one filter:
// the kernels' norms kappa (a thread per kernel, kr_kernel_l1's order), the best kernel (the largest
// kappa, first index: a maximum over (magnitude, ~index) keys), then each other kernel's rank among
// the others by counting the smaller kr_order_key: the first floor(gamma I_g) are rescaled by
// kr_rescale_kernel. Kernels are disjoint and the norms are read before any is rescaled, so the
// order of the threads does not matter; counts are integer atomics.
//
// Versions: one kernel. Ranking by counting costs I_g^2 / threads comparisons per invalid filter
// (I_g is at most about a thousand in these models), and stops at the count, which is small.
#include "kernels/cuda/launch.cuh"
#include "reactivation/kr/cuda/kr_device.h"
#include "reactivation/kr/kr_math.h"

namespace revive::kr_cuda {
namespace {

constexpr int kThreads = 128;

}  // namespace

static __global__ void __launch_bounds__(kThreads) rescale_kernel(DeviceTable t, StepParams p, float* arena,
                                                                  DeviceScratch s) {
  const int32_t b = blockIdx.x;
  const int32_t f = t.pool_filter[b], l = t.filter_layer[f];
  const bool in_s1 = kr_order_key(s.l1[f] / t.c1_divisor[l], f) < *s.c1_bound;
  const bool invalid = in_s1 && kr_order_key(s.l1[f], f - t.first_filter[l]) < s.c2_bound[l];
  const int32_t n_kernels = t.n_slices[l], len = t.slice_len[l];
  const int32_t n_invalid = invalid ? kr_kernel_count(p.gamma, n_kernels, p.rounding) : 0;
  if (threadIdx.x == 0) {
    s.invalid[b] = invalid;
    if (in_s1) atomicAdd(&s.counts->c1_filters, 1ull);
    if (invalid) {
      atomicAdd(&s.counts->invalid_filters, 1ull);
      atomicAdd(&s.counts->invalid_kernels, static_cast<unsigned long long>(n_invalid));
    }
  }
  if (n_invalid == 0) return;  // the same for every thread of the block
  float* w = arena + t.filter_offset[f];
  float* kappa = s.kappa + t.pool_kappa_offset[b];
  for (int32_t c = threadIdx.x; c < n_kernels; c += kThreads)
    kappa[c] = kr_kernel_l1(w + static_cast<int64_t>(c) * len, len);
  __shared__ unsigned long long best_key;
  if (threadIdx.x == 0) best_key = 0;
  __syncthreads();  // the norms and best_key's start
  unsigned long long mine = 0;
  for (int32_t c = threadIdx.x; c < n_kernels; c += kThreads)
    mine = max(mine, (static_cast<unsigned long long>(magnitude_key(kappa[c])) << 32) |
                         (0xffffffffu - static_cast<uint32_t>(c)));
  atomicMax(&best_key, mine);
  __syncthreads();
  const int32_t best = static_cast<int32_t>(0xffffffffu - static_cast<uint32_t>(best_key & 0xffffffffu));
  unsigned long long counts[3] = {};
  for (int32_t c = threadIdx.x; c < n_kernels; c += kThreads) {
    if (c == best) continue;
    const uint64_t key = kr_order_key(kappa[c], c);
    int32_t rank = 0;
    for (int32_t o = 0; o < n_kernels && rank < n_invalid; ++o) rank += o != best && kr_order_key(kappa[o], o) < key;
    if (rank < n_invalid) kr_rescale_kernel(w + static_cast<int64_t>(c) * len, len, kappa[best], kappa[c], counts);
  }
  if (counts[0]) atomicAdd(&s.counts->rescaled, counts[0]);
  if (counts[1]) atomicAdd(&s.counts->zero_norm, counts[1]);
  if (counts[2]) atomicAdd(&s.counts->non_finite, counts[2]);
}

void launch_rescale(const DeviceTable& t, const StepParams& p, float* arena, const DeviceScratch& s,
                    cudaStream_t stream) {
  if (t.n_pool == 0) return;
  rescale_kernel<<<static_cast<unsigned>(t.n_pool), kThreads, 0, stream>>>(t, p, arena, s);
  REVIVE_CUDA_CHECK_LAUNCH();
}

}  // namespace revive::kr_cuda
