// A model known only from its state dict: the modules, parameters and order that a method's step
// needs, read from the tensors' names and shapes, so that `revive reactivate` works on any PyTorch
// CNN, whatever its modules are called. It has no forward pass.
//
// From the names and shapes, per module (the name up to the last '.'):
//   conv       a 4-D `weight` [O, I_g, Kh, Kw] (and a 1-D `bias`);
//   BatchNorm  a 1-D `weight` and `bias` beside `running_mean` and `running_var`, which it holds as
//              buffers with `num_batches_tracked` (Filter Grafting blends them);
//   linear     a 2-D `weight` (and a 1-D `bias`).
// Other tensors (norms without running statistics, anything else) are left out: a step never
// changes them, and the caller copies them through.
//
// A conv's groups cannot be read from its shape (I_g is in_channels / groups, and in_channels is
// not in the file): they come from `conv_groups`, and a conv without an entry counts as one group
// and is listed by convs_without_groups(), so that a method whose options read groups can refuse.
//
// Modules are registered in named_modules() order, which makes the arena, the filter table's
// layers and WE's fallback counters walk them as PyTorch's model would: the order of
// `module_order`, or without one the natural order of the names. Within a module, weight before
// bias, as PyTorch registers them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nn/module.h"

namespace revive::nn {

// Dotted names compared part by part, runs of digits as numbers: "layer1.9" < "layer1.10", and a
// module before its submodules ("layer1" < "layer1.0" < "layer10").
bool natural_name_less(const std::string& a, const std::string& b);

// `[n for n, _ in model.named_modules()]` written one name a line (the root's empty name may be an
// empty line or absent). Throws revive::Error when the file cannot be read or names a module twice.
std::vector<std::string> read_module_order(const std::string& path);

struct StateDictModelSpec {
  std::vector<std::string> module_order;  // named_modules() order; empty: natural_name_less
  std::map<std::string, int> conv_groups;  // by conv module name ("features.3")
  std::string origin;                      // the file, for messages
};

class StateDictModel : public Module {
 public:
  // Throws revive::Error naming the tensor or module when `spec` does not fit `tensors`: a module
  // missing from module_order, groups for a module that is no conv or that do not divide its
  // output channels, an order that is not a named_modules() order.
  StateDictModel(const std::map<std::string, Tensor>& tensors, const StateDictModelSpec& spec);

  // The conv weights whose groups the spec did not give, in module order.
  const std::vector<std::string>& convs_without_groups() const { return convs_without_groups_; }
  // The tensors of `tensors` the model holds (what load_state_dict takes).
  std::map<std::string, Tensor> held(const std::map<std::string, Tensor>& tensors) const;

 private:
  Tensor forward_impl(const Tensor& x) override;

  std::vector<std::string> convs_without_groups_;
};

}  // namespace revive::nn
