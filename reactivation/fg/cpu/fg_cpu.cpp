#include <algorithm>

#include "core/error.h"
#include "reactivation/step_clock.h"
#include "reactivation/fg/cpu/fg_cpu_parts.h"

namespace revive {

FgCpuScratch::FgCpuScratch() : impl_(std::make_unique<Impl>()) {}
FgCpuScratch::~FgCpuScratch() = default;
FgCpuScratch::FgCpuScratch(FgCpuScratch&&) noexcept = default;
FgCpuScratch& FgCpuScratch::operator=(FgCpuScratch&&) noexcept = default;

void fg_check_networks(const FgLayout& layout, const std::vector<FgNetwork>& nets, const FgOptions& o) {
  validate_fg_options(o);
  REVIVE_CHECK(static_cast<int>(nets.size()) == o.models,
               "FG was set up for " << o.models << " networks (--models) but the step got " << nets.size());
  // Distinct storage: every pointer once, sorted (one allocation, not one per pointer).
  std::vector<const void*> storage;
  storage.reserve(nets.size() * (layout.buffers().size() + 1));
  for (const FgNetwork& net : nets) {
    REVIVE_CHECK(net.arena != nullptr && net.buffers.size() == layout.buffers().size(),
                 "FG: a network has " << net.buffers.size() << " buffers, the layout " << layout.buffers().size());
    storage.push_back(net.arena);
    for (const void* b : net.buffers)
      if (b != nullptr) storage.push_back(b);
  }
  std::sort(storage.begin(), storage.end());
  REVIVE_CHECK(std::adjacent_find(storage.begin(), storage.end()) == storage.end(),
               "FG: two networks share storage (a parameter arena or a buffer)");
}

FgReport fg_apply_cpu(const FgLayout& layout, const std::vector<FgNetwork>& nets, const FgOptions& o, int epoch,
                      uint64_t seed, FgCpuScratch& scratch) {
  fg_check_networks(layout, nets, o);
  const StepClock clock;
  FgCpuScratch::Impl& s = scratch.impl();
  std::vector<std::string> names;
  for (const FgGroup& g : layout.groups()) names.push_back(layout.tensors()[static_cast<size_t>(g.conv)].name);
  FgReport r;
  r.reset(epoch, o, names);
  // Noise and internal scions pick filters by their pre-step L1 norms, read in a pass first.
  if (o.variant == FgVariant::kNoise || o.variant == FgVariant::kInternal) fg_cpu::filter_norms(layout, nets, s.l1);
  switch (o.variant) {
    case FgVariant::kExternal: fg_cpu::external_step(layout, nets, o, s, r); break;
    case FgVariant::kNoise: fg_cpu::noise_step(layout, nets, o, epoch, seed, s.l1, r); break;
    case FgVariant::kInternal: fg_cpu::internal_step(layout, nets, o, s.l1, r); break;
    case FgVariant::kFilter: fg_cpu::filter_step(layout, nets, r); break;
  }
  r.elapsed_us = clock.elapsed_us();
  return r;
}

}  // namespace revive
