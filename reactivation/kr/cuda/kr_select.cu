// Stage (b) of Kernel Reactivation on CUDA, one launch of 2 + (taking-part layers) blocks:
//   block 0: C1's bound (§3.2), the key at rank floor(alpha N) of the taking-part filters'
//            kr_order_key(average L1, id), as kr_apply_cpu's radix select and scan find it (or the
//            limit's bound with alpha_mode = l1_threshold; every key when the rank is N);
//   block 1: the conv filters whose average L1 (L / I_g) lies below each dead-filter limit,
//            compared in double as the CPU's float limits compare;
//   block 2 + i: C2's bound of the i-th taking-part layer, the key at rank floor(beta O) of its
//            kr_order_key(L1, index in the layer).
// Keys are unique, so each bound is the stable sort's (§0.2): a filter is in S1 (S2) iff
// its key is below the bound. Steps that do not apply run block 1 alone.
#include "kernels/cuda/launch.cuh"
#include "reactivation/cuda/block_select.cuh"
#include "reactivation/kr/cuda/kr_device.h"
#include "reactivation/kr/kr_math.h"

namespace revive::kr_cuda {
namespace {

constexpr int kThreads = 256;
constexpr uint64_t kAllBelow = ~uint64_t{0};
constexpr uint8_t kConvKind = 0;  // ReactivatableKind::kConvWeight (checked in kr_cuda.cpp)

__device__ void count_dead(const DeviceTable& t, const StepParams& p, const float* importance, Counts* counts) {
  __shared__ unsigned long long scratch[32];
  for (int d = 0; d < 3; ++d) {
    unsigned long long below = 0;
    for (int32_t f = threadIdx.x; f < t.n_filters; f += kThreads)
      below += t.kind[t.filter_layer[f]] == kConvKind && static_cast<double>(importance[f]) < p.dead_threshold[d];
    below = kernels::cuda::block_sum(below, scratch);
    if (threadIdx.x == 0) counts->conv_below[d] = below;
    __syncthreads();  // block_sum's scratch is reused
  }
}

}  // namespace

static __global__ void __launch_bounds__(kThreads) select_kernel(DeviceTable t, StepParams p, DeviceScratch s) {
  __shared__ reactivation_cuda::BlockSelectStorage<uint64_t> storage;
  if (blockIdx.x == 1) {
    count_dead(t, p, s.importance, s.counts);
    return;
  }
  if (blockIdx.x == 0) {
    uint64_t bound = p.c1_bound;
    if (p.c1_by_rank) {
      bound = p.c1_rank >= t.n_pool ? kAllBelow
                                    : reactivation_cuda::block_select<uint64_t>(
                                          [&](int32_t i) {
                                            const int32_t f = t.pool_filter[i];
                                            return kr_order_key(s.l1[f] / t.c1_divisor[t.filter_layer[f]], f);
                                          },
                                          t.n_pool, p.c1_rank, storage);
    }
    if (threadIdx.x == 0) *s.c1_bound = bound;
    return;
  }
  const int32_t l = t.scope_layer[blockIdx.x - 2];
  const int32_t first = t.first_filter[l], n = t.first_filter[l + 1] - first;
  const long long rank = kr_count(p.beta, n, p.rounding);
  const uint64_t bound =
      rank >= n ? kAllBelow
                : reactivation_cuda::block_select<uint64_t>([&](int32_t j) { return kr_order_key(s.l1[first + j], j); },
                                                            n, rank, storage);
  if (threadIdx.x == 0) s.c2_bound[l] = bound;
}

void launch_select(const DeviceTable& t, const StepParams& p, const DeviceScratch& s, cudaStream_t stream) {
  // Block 1 counts the dead filters every epoch; the selections run only when the step applies.
  const unsigned grid = p.applied ? 2u + static_cast<unsigned>(t.n_scope_layers) : 2u;
  select_kernel<<<grid, kThreads, 0, stream>>>(t, p, s);
  REVIVE_CUDA_CHECK_LAUNCH();
}

}  // namespace revive::kr_cuda
