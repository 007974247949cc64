// Kernel Reactivation on CUDA (docs/kernel-reactivation.md): the pipeline of kr_cpu.h as kernels
// over a device copy of the filter table, selecting exactly the CPU's filters and kernels
// (§0.2) and rescaling with the same float operations (kr_math.h):
//   (a) filter norms: the launch the methods share (reactivation/cuda/filter_norms_cuda.h);
//   (b) C1 and C2 in one launch: a block selects C1's bound over the taking-part filters, and a
//       block per layer C2's bound, each the k-th smallest (magnitude, id) key by a radix select
//       (reactivation/cuda/block_select.cuh); a block also counts the dead-filter fractions;
//   (c) C3 and the rescale: a block per taking-part filter, which returns at once unless the filter
//       is in both S1 and S2; the kernels' norms, the best kernel, each other kernel's stable rank
//       by counting, and R = kappa_b / kappa_n on the first floor(gamma I_g).
// Nothing crosses to the host between stages; the counts come back in one copy at the end. This
// header needs no CUDA headers: a build without the CUDA backend defines these functions to throw
// (reactivation/kr/no_cuda/kr_cuda.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "reactivation/kr/kr_step.h"

namespace revive {

// The device copy of a filter table and the step's scratch, allocated once so that a step
// allocates nothing. Which layers take part and C1's divisors come from `options` (skip_1x1,
// rank_depthwise, avg_l1_divisor): a step with other values of those throws.
class KrCudaWorkspace {
 public:
  KrCudaWorkspace(const FilterTable& table, const KrOptions& options);
  ~KrCudaWorkspace();
  KrCudaWorkspace(const KrCudaWorkspace&) = delete;
  KrCudaWorkspace& operator=(const KrCudaWorkspace&) = delete;

  struct Impl;
  Impl& impl() { return *impl_; }
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// One step on an arena in CUDA memory (a device pointer on the process's device): the contract of
// kr_apply_cpu, the same report and state. Synchronises once, at the end.
KrReport kr_apply_cuda(const FilterTable& table, float* arena, int64_t arena_numel, const KrOptions& options,
                       const ReactivationContext& ctx, KrState& state, KrCudaWorkspace& workspace);

// What the last applied step left on the device, read back for tests: the norms, C1's bound and
// each taking-part layer's C2 bound (as kr_order_key(L1, index in the layer)),
// and F in ascending ids.
struct KrCudaTrace {
  std::vector<float> l1;
  std::vector<float> importance;
  uint64_t c1_bound = 0;
  std::vector<uint64_t> c2_bound;  // per layer (0 for layers not taking part)
  std::vector<int32_t> invalid_filters;
};
KrCudaTrace kr_cuda_trace(const KrCudaWorkspace& workspace);

}  // namespace revive
