#include "nn/parameter_arena.h"

#include <sstream>

#include "core/rng.h"

namespace revive::nn {
namespace {

// Values of one parameter, drawn on the host (the same numbers on every device).
void init_values(float* out, const Parameter& p, uint64_t seed, uint64_t stream) {
  const int64_t n = p.numel();
  switch (p.init()) {
    case ParamInit::kUniformFanIn: {
      Rng rng(seed, stream);
      const float bound = p.init_bound();
      for (int64_t i = 0; i < n; ++i) out[i] = rng.uniform(-bound, bound);
      break;
    }
    case ParamInit::kOnes:
      for (int64_t i = 0; i < n; ++i) out[i] = 1.0f;
      break;
    case ParamInit::kZeros:
      for (int64_t i = 0; i < n; ++i) out[i] = 0.0f;
      break;
  }
}

}  // namespace

ParameterArena ParameterArena::build(Module& root, Device device, uint64_t seed) {
  ParameterArena arena;
  arena.root_ = &root;
  int64_t offset = 0;
  for (const auto& [name, p] : root.named_parameters()) {
    offset = (offset + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
    arena.entries_.push_back(ArenaEntry{name, offset, p->shape(), p->numel(), p->kind(), p->groups()});
    arena.bound_.push_back(p);
    offset += p->numel();
    arena.n_elements_ += p->numel();
  }
  REVIVE_CHECK(arena.n_elements_ > 0, root.type_name() << " has no parameters to put in an arena");

  Tensor host = Tensor::zeros({offset});  // the padding stays zero
  float* values = host.data<float>();
  for (size_t i = 0; i < arena.entries_.size(); ++i) {
    init_values(values + arena.entries_[i].offset, *arena.bound_[i], seed, i);
  }
  arena.params_ = host.to(device);
  arena.grads_ = Tensor::zeros({offset}, DType::kFloat32, device);
  // Parameters bound to an earlier arena on another device would make Module::to refuse.
  for (Parameter* p : arena.bound_) p->unbind();
  root.to(device);
  arena.bind_all();
  return arena;
}

void ParameterArena::bind_all() {
  for (size_t i = 0; i < entries_.size(); ++i) {
    const ArenaEntry& e = entries_[i];
    Tensor value = Tensor::view_of(params_, e.offset, e.shape);
    value.set_name(e.name);
    bound_[i]->bind(value, Tensor::view_of(grads_, e.offset, e.shape));
  }
}

const ArenaEntry& ParameterArena::entry(const std::string& name) const {
  for (const ArenaEntry& e : entries_) {
    if (e.name == name) return e;
  }
  std::ostringstream some;
  for (size_t i = 0; i < entries_.size() && i < 6; ++i) some << (i ? ", " : "") << entries_[i].name;
  REVIVE_THROW("no parameter named '" << name << "' in the arena; it holds " << entries_.size()
                                      << " parameters such as " << some.str());
}

void ParameterArena::zero_grad() { grads_.zero_(); }

void ParameterArena::to(Device device) {
  if (device == params_.device()) return;
  params_ = params_.to(device);
  grads_ = grads_.to(device);
  bind_all();
  root_->to(device);
}

}  // namespace revive::nn
