// Module: the base of every layer and model. A module owns named children, parameters and
// buffers, registered in its constructor in the order PyTorch's definition of the same network
// assigns its attributes, so that named_parameters(), named_buffers() and state_dict() produce
// PyTorch's dotted names ("layer1.0.conv2.weight", "bn1.running_var") in PyTorch's order: a
// module's own parameters, then its own buffers, then each child's entries in registration order.
//
// Parameters carry shapes from construction and values once a ParameterArena has been built over
// the root module (nn/parameter_arena.h). Buffers (BN running statistics) own their own tensors.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "nn/parameter.h"

namespace revive::nn {

using NamedTensorList = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Checks that x is a defined float32 tensor, then runs the module. Layers check the shape they
  // expect and say which layer rejected it.
  Tensor forward(const Tensor& x);

  // Training mode (batch statistics in BN) or evaluation mode, for this module and all below it.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Dotted names in state-dict order (see the file comment).
  std::vector<std::pair<std::string, Parameter*>> named_parameters() const;
  NamedTensorList named_buffers() const;
  // Parameter values and buffers interleaved per module exactly as PyTorch's state_dict(); the
  // tensors alias the module's storage. Needs a built arena.
  NamedTensorList state_dict() const;
  std::vector<std::pair<std::string, const Module*>> named_children() const;
  // Number of parameter elements (from shapes: works before an arena exists).
  int64_t n_parameters() const;

  // Moves the buffers to `device`. Parameters live in the arena, which ParameterArena::to moves;
  // a parameter still bound to an arena on another device is an error.
  void to(Device device);

  // The layer's type for messages ("Conv2d", "ResNetCifar").
  const std::string& type_name() const { return type_name_; }

 protected:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}

  // forward's check of its input, for layers with forward variants of their own.
  void check_input(const Tensor& x) const;

  // Registration; names are non-empty, contain no '.', and are unique within the module.
  template <class M>
  M* register_module(const std::string& name, std::unique_ptr<M> child) {
    M* raw = child.get();
    adopt_child(name, std::move(child));
    return raw;
  }
  Parameter* register_parameter(const std::string& name, const Shape& shape, ParamKind kind, ParamInit init,
                                int64_t fan_in, int groups = 1);
  // Returns the buffer's slot: Module::to replaces the tensor in it, so keep the pointer, not a copy.
  Tensor* register_buffer(const std::string& name, const Tensor& value);

 private:
  virtual Tensor forward_impl(const Tensor& x) = 0;

  struct Buffer {
    std::string name;
    Tensor value;
  };
  void adopt_child(const std::string& name, std::unique_ptr<Module> child);
  void check_new_name(const std::string& name) const;
  void collect_parameters(const std::string& prefix, std::vector<std::pair<std::string, Parameter*>>& out) const;
  void collect_buffers(const std::string& prefix, NamedTensorList& out) const;
  void collect_state(const std::string& prefix, NamedTensorList& out) const;

  std::string type_name_;
  bool training_ = true;
  std::vector<std::unique_ptr<Parameter>> params_;
  std::vector<std::unique_ptr<Buffer>> buffers_;
  std::vector<std::pair<std::string, std::unique_ptr<Module>>> children_;
};

}  // namespace revive::nn
