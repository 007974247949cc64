// The bridge from a model's parameter arena to the filter table (ARCHITECTURE.md decision 3): every
// conv weight, BN gamma and BN beta of the arena as a ReactivatableTensor, in module order.
#pragma once

#include <vector>

#include "nn/parameter_arena.h"
#include "reactivation/filter_table.h"

namespace revive {

std::vector<ReactivatableTensor> reactivatable_tensors(const nn::ParameterArena& arena);

}  // namespace revive
