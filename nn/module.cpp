#include "nn/module.h"

namespace revive::nn {

Tensor Module::forward(const Tensor& x) {
  check_input(x);
  return forward_impl(x);
}

void Module::check_input(const Tensor& x) const {
  REVIVE_CHECK(x.defined(), type_name_ << ".forward: the input tensor is undefined");
  REVIVE_CHECK(x.dtype() == DType::kFloat32,
               type_name_ << ".forward: expected a float32 input, got " << dtype_name(x.dtype()));
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::check_new_name(const std::string& name) const {
  REVIVE_CHECK(!name.empty() && name.find('.') == std::string::npos,
               type_name_ << ": member name '" << name << "' must be non-empty and contain no '.'");
  bool taken = false;
  for (const auto& p : params_) taken |= p->name() == name;
  for (const auto& b : buffers_) taken |= b->name == name;
  for (const auto& c : children_) taken |= c.first == name;
  REVIVE_CHECK(!taken, type_name_ << ": the name '" << name << "' is already registered");
}

void Module::adopt_child(const std::string& name, std::unique_ptr<Module> child) {
  check_new_name(name);
  REVIVE_CHECK(child != nullptr, type_name_ << ": child '" << name << "' is null");
  child->train(training_);
  children_.emplace_back(name, std::move(child));
}

Parameter* Module::register_parameter(const std::string& name, const Shape& shape, ParamKind kind, ParamInit init,
                                      int64_t fan_in, int groups) {
  check_new_name(name);
  params_.push_back(std::make_unique<Parameter>(name, shape, kind, init, fan_in, groups));
  return params_.back().get();
}

Tensor* Module::register_buffer(const std::string& name, const Tensor& value) {
  check_new_name(name);
  REVIVE_CHECK(value.defined(), type_name_ << ": buffer '" << name << "' is undefined");
  buffers_.push_back(std::make_unique<Buffer>(Buffer{name, value}));
  return &buffers_.back()->value;
}

void Module::collect_parameters(const std::string& prefix,
                                std::vector<std::pair<std::string, Parameter*>>& out) const {
  for (const auto& p : params_) out.emplace_back(prefix + p->name(), p.get());
  for (const auto& [name, child] : children_) child->collect_parameters(prefix + name + ".", out);
}

void Module::collect_buffers(const std::string& prefix, NamedTensorList& out) const {
  for (const auto& b : buffers_) out.emplace_back(prefix + b->name, b->value);
  for (const auto& [name, child] : children_) child->collect_buffers(prefix + name + ".", out);
}

void Module::collect_state(const std::string& prefix, NamedTensorList& out) const {
  for (const auto& p : params_) out.emplace_back(prefix + p->name(), p->value());
  for (const auto& b : buffers_) out.emplace_back(prefix + b->name, b->value);
  for (const auto& [name, child] : children_) child->collect_state(prefix + name + ".", out);
}

std::vector<std::pair<std::string, Parameter*>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Parameter*>> out;
  collect_parameters("", out);
  return out;
}

NamedTensorList Module::named_buffers() const {
  NamedTensorList out;
  collect_buffers("", out);
  return out;
}

NamedTensorList Module::state_dict() const {
  NamedTensorList out;
  collect_state("", out);
  return out;
}

std::vector<std::pair<std::string, const Module*>> Module::named_children() const {
  std::vector<std::pair<std::string, const Module*>> out;
  for (const auto& [name, child] : children_) out.emplace_back(name, child.get());
  return out;
}

int64_t Module::n_parameters() const {
  int64_t n = 0;
  for (const auto& [name, p] : named_parameters()) n += p->numel();
  return n;
}

void Module::to(Device device) {
  for (const auto& p : params_) {
    REVIVE_CHECK(!p->bound() || p->value().device() == device,
                 type_name_ << ": parameter '" << p->name() << "' lives in a parameter arena on "
                            << p->value().device().str() << "; move it with ParameterArena::to");
  }
  for (auto& b : buffers_) b->value = b->value.to(device);
  for (auto& [name, child] : children_) child->to(device);
}

}  // namespace revive::nn
