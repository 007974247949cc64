#include "reactivation/arena_tensors.h"

namespace revive {

std::vector<ReactivatableTensor> reactivatable_tensors(const nn::ParameterArena& arena) {
  std::vector<ReactivatableTensor> out;
  std::string last_module;
  int module_index = -1;
  for (const nn::ArenaEntry& e : arena.entries()) {
    // "layer1.0.bn1.weight" belongs to module "layer1.0.bn1"; entries arrive in module order.
    const std::string module = e.name.substr(0, e.name.rfind('.'));
    if (module != last_module) {
      last_module = module;
      ++module_index;
    }
    ReactivatableKind kind;
    switch (e.kind) {
      case nn::ParamKind::kConvWeight: kind = ReactivatableKind::kConvWeight; break;
      case nn::ParamKind::kBnWeight: kind = ReactivatableKind::kBnGamma; break;
      case nn::ParamKind::kBnBias: kind = ReactivatableKind::kBnBeta; break;
      default: continue;  // conv biases and linear layers are never reactivated (§1.1)
    }
    out.push_back({e.name, kind, e.offset, e.shape, e.kind == nn::ParamKind::kConvWeight ? e.groups : 1, module_index});
  }
  return out;
}

}  // namespace revive
