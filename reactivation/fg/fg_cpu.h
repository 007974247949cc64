// Filter Grafting on the CPU: the step of reference.h over the networks' parameter arenas and
// buffers, fast, with the same bits.
//
// External scions run as a pipeline over "waves" of consecutive graft groups small enough to stay
// in the caches, so the N arenas are read from memory about once and written once. A thread takes
// the same run of chunks of every network in (a), (b) and (d), so it blends what it has read, the
// runs of the threads holding about as many elements each. A
// group too large for a wave gets one wave per network for (a)-(b), so its bins are still counted
// from L2, and the last of them blends the group:
//   (a) per (network, chunk of a group's conv filters): the chunk's min/max (entropy criterion)
//       or each filter's L1 norm (L1 criterion, in the order of reactivation/filter_norms.h);
//   (b) per (network, chunk): the chunk's counts of the group's 10 bins (entropy criterion only),
//       from the L2 cache, in the same loop as (a) of the thread's share of the next wave, which
//       this brings into L2 (with the entropy criterion, (a) runs alone only for the first wave);
//   (c) per group, the wave's groups shared by the threads: its entropy or L1 and alpha per
//       network (fg_coefficient.h);
//   (d) per block of the wave's arena range: all N networks blended at once, a vector of each
//       network in turn from network N-1's vector, each element of network k from the pre-graft
//       values of k and k-1, read before they are written (the predecessor's in a register), so
//       the update is simultaneous with no copy of any arena.
// Then the buffers (BN running statistics, num_batches_tracked) are blended the same way. The
// variants (noise, internal, filter) are in cpu/fg_variants.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "reactivation/fg/fg_layout.h"
#include "reactivation/fg/fg_options.h"
#include "reactivation/fg/fg_report.h"

namespace revive {

// One network's storage as a step sees it: its parameter arena and its buffers (the layout's
// buffers in order; float32 or integer data as the layout says). All networks' storage must be
// distinct and laid out alike.
struct FgNetwork {
  float* arena = nullptr;
  std::vector<void*> buffers;
};

// Scratch sized by the layout and the network count (the plan of the waves, every filter's norm,
// the chunks' partial results, the blend weights), kept between steps: a warm step allocates only
// a few small per-thread vectors.
class FgCpuScratch {
 public:
  FgCpuScratch();
  ~FgCpuScratch();
  FgCpuScratch(FgCpuScratch&&) noexcept;
  FgCpuScratch& operator=(FgCpuScratch&&) noexcept;
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// One step on networks `nets` (options.models of them) after 0-based epoch `epoch`; `seed` keys the
// noise variant's draws. Same report and the same bits as fg_reference_step.
FgReport fg_apply_cpu(const FgLayout& layout, const std::vector<FgNetwork>& nets, const FgOptions& options, int epoch,
                      uint64_t seed, FgCpuScratch& scratch);

// Checks the networks against the layout and the options (count, distinct storage, buffers);
// shared by both backends.
void fg_check_networks(const FgLayout& layout, const std::vector<FgNetwork>& nets, const FgOptions& options);

}  // namespace revive
