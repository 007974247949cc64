#pragma once

#include <memory>

#include "nn/module.h"

namespace revive::nn {

/// Runs its children in order (PyTorch nn.Sequential); children are named "0", "1", ...
/// Input: whatever the first child takes -> output: whatever the last child returns. An empty
/// Sequential is the identity, as PyTorch's is.
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}

  // Appends `child` under the next index and returns it.
  template <class M>
  M* push_back(std::unique_ptr<M> child) {
    M* raw = child.get();
    modules_.push_back(register_module(std::to_string(modules_.size()), std::move(child)));
    return raw;
  }
  size_t size() const { return modules_.size(); }
  Module* operator[](size_t i) const;

 private:
  Tensor forward_impl(const Tensor& x) override;

  std::vector<Module*> modules_;
};

}  // namespace revive::nn
