// The parameter arena (ARCHITECTURE.md decision 2): every parameter of a model lives in ONE float
// buffer and every gradient in a second buffer of the same layout, so that the SGD step, FG's blend
// and checkpoints are single passes over flat memory and a reactivation kernel can cover every
// layer at once. Each Parameter's value is a view into the value buffer and its grad a view into
// the gradient buffer, so autograd accumulates straight into the arena.
//
// Layout: parameters in state-dict order (Module's named_parameters()), each starting at a multiple
// of kArenaAlignment elements (64 bytes, since the buffers' bases are at least that aligned), so
// that every view is aligned for vector loads and cuDNN whatever the shapes before it. entries()
// lists (name, offset, shape, kind, groups) for checkpoints and the filter table. The padding
// between parameters belongs to no parameter: it is zero and stays zero (its gradient is zero, so
// SGD, weight decay and momentum leave it there; blends of arenas blend zeros), and nothing that
// leaves the process shows it: state dicts and checkpoints are written parameter by parameter,
// and n_elements() counts only parameters (params().numel() is the buffers' size).
//
// Initialisation (PyTorch defaults, nn/parameter.h): parameter i draws from revive::Rng(seed,
// stream = i), so its values depend only on the seed and its index, never on how other parameters
// are drawn nor on where the arena puts them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nn/module.h"

namespace revive::nn {

// Parameters start at multiples of this many elements (64 bytes of float32).
constexpr int64_t kArenaAlignment = 16;

struct ArenaEntry {
  std::string name;  // dotted state-dict name
  int64_t offset;    // first element in params() / grads()
  Shape shape;
  int64_t numel;
  ParamKind kind;
  int groups;  // conv groups (depthwise: groups == in_channels); 1 for other kinds
};

class ParameterArena {
 public:
  // Gathers root's parameters, allocates both buffers on `device`, binds every parameter to its
  // views (rebinding any earlier arena's parameters), initialises the values from `seed`, zeroes
  // the gradients, and moves root's buffers to `device`. root must outlive the arena.
  static ParameterArena build(Module& root, Device device, uint64_t seed);

  ParameterArena(ParameterArena&&) = default;
  ParameterArena& operator=(ParameterArena&&) = default;
  ParameterArena(const ParameterArena&) = delete;
  ParameterArena& operator=(const ParameterArena&) = delete;

  // The parameters' elements, padding excluded (params().numel() counts the padding too).
  int64_t n_elements() const { return n_elements_; }
  Device device() const { return params_.device(); }
  const Tensor& params() const { return params_; }  // all parameter values and the padding
  const Tensor& grads() const { return grads_; }    // same layout
  const std::vector<ArenaEntry>& entries() const { return entries_; }
  // The entry named `name`; throws listing a few valid names when there is none.
  const ArenaEntry& entry(const std::string& name) const;

  void zero_grad();
  // Copies both buffers to `device`, rebinds the parameters there and moves the model's buffers.
  void to(Device device);

 private:
  ParameterArena() = default;
  void bind_all();

  Module* root_ = nullptr;
  Tensor params_, grads_;
  std::vector<ArenaEntry> entries_;
  std::vector<Parameter*> bound_;  // parallel to entries_
  int64_t n_elements_ = 0;
};

}  // namespace revive::nn
