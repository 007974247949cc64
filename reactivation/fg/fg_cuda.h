// Filter Grafting on CUDA: the step of fg_cpu.h over networks whose arenas and buffers live on the
// GPU, with the same report and the same bits. One launch per stage, every network and group in it:
//   (a) each conv filter's L1 norm (the lane order of reactivation/filter_norms.h, a half-warp per
//       filter), min and max;
//   (b) (entropy) each chunk's bin counts (entropy_bin per element) under its group's range;
//   then one copy of the counts to the host, which computes the entropies and alphas with the CPU's
//   code (fg_coefficient.h) and sends the blend weights back;
//   (c) one blend pass over every network's arena and buffers, each element of network k from the
//       pre-graft values of k and k-1, read before anything is written.
// The variants: noise (a warp per filter, draws from fg_noise.h), internal (a block per conv and
// network: a stable (L1, index) rank, then the sequential loop) and filter-level grafting (channel
// coefficients, then a per-element blend). This header needs no CUDA headers: a build without the
// CUDA backend defines these functions to throw (reactivation/fg/no_cuda/fg_cuda.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "reactivation/fg/fg_cpu.h"

namespace revive {

// The device copy of a layout's tables and every scratch buffer a step needs for `n_models`
// networks, allocated once.
class FgCudaWorkspace {
 public:
  FgCudaWorkspace(const FgLayout& layout, int n_models);
  ~FgCudaWorkspace();
  FgCudaWorkspace(const FgCudaWorkspace&) = delete;
  FgCudaWorkspace& operator=(const FgCudaWorkspace&) = delete;
  // Whether this workspace serves `layout` (the one it was built from, unchanged) and n networks.
  bool serves(const FgLayout& layout, int n_models) const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// One step on networks whose FgNetwork pointers are CUDA device pointers (on the process's device).
// Synchronises once to read the counts back and once at the end.
FgReport fg_apply_cuda(const FgLayout& layout, const std::vector<FgNetwork>& nets, const FgOptions& options, int epoch,
                       uint64_t seed, FgCudaWorkspace& workspace);

}  // namespace revive
