// The readable Filter Grafting step (docs/filter-grafting.md): plain loops over each
// network's state dict, one section of docs/filter-grafting.md at a time, with no thought for speed. It is the oracle the
// fast CPU path (cpu/fg_cpu.h) and the CUDA path are tested against, bit for bit.
//
// Filter norms are filter_norm_l1_plain (reactivation/filter_norms.h), the plain loop of the fast
// paths' summation order, so that selections by L1 agree.
//
// External scions (2.1-2.5): every network's criterion is computed on pre-graft weights, then
// network k becomes alpha_k (itself) + (1 - alpha_k) (a snapshot of network k-1, ring order), all
// from snapshots taken before the first write, so the update is simultaneous.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/module.h"
#include "reactivation/fg/fg_layout.h"
#include "reactivation/fg/fg_options.h"
#include "reactivation/fg/fg_report.h"

namespace revive {

// One step on `models` (each network's state dict in the layout's order, CPU tensors, rewritten in
// place) after 0-based epoch `epoch`; `seed` keys the noise variant's draws (fg_noise.h).
FgReport fg_reference_step(const FgLayout& layout, const std::vector<nn::NamedTensorList>& models,
                           const FgOptions& options, int epoch, uint64_t seed);

}  // namespace revive
