// Parameter: a learnable tensor of a Module, described by its shape, its role and its initialiser.
// Its storage is a view into a ParameterArena (ARCHITECTURE.md decision 2): until an arena has
// been built over the model, a parameter has a shape but no values, so constructing a model costs
// no parameter memory and every parameter ends up in the arena.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace revive::nn {

// The role of a parameter. The reactivation filter table (ARCHITECTURE.md decision 3) reads it to
// decide what is reactivatable and how a weight splits into filters.
enum class ParamKind : uint8_t { kConvWeight, kConvBias, kLinearWeight, kLinearBias, kBnWeight, kBnBias };
const char* param_kind_name(ParamKind kind);

// PyTorch's default initialisers. Conv2d/Linear weights use kaiming_uniform_(a = sqrt(5)): gain
// sqrt(2 / (1 + a^2)) = sqrt(1/3), bound gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in), which is also
// the bound PyTorch gives their biases, so one kind serves both.
enum class ParamInit : uint8_t {
  kUniformFanIn,  // U(-1/sqrt(fan_in), 1/sqrt(fan_in))
  kOnes,          // BN gamma
  kZeros,         // BN beta
};

class Parameter {
 public:
  // fan_in: inputs feeding one output (in_channels/groups * R * S for a conv, in_features for a
  // linear layer); only kUniformFanIn reads it. groups: the conv's groups (1 elsewhere).
  Parameter(std::string name, Shape shape, ParamKind kind, ParamInit init, int64_t fan_in, int groups);

  const std::string& name() const { return name_; }  // local name inside its module ("weight")
  const Shape& shape() const { return shape_; }
  int64_t numel() const { return shape_numel(shape_); }
  ParamKind kind() const { return kind_; }
  ParamInit init() const { return init_; }
  int64_t fan_in() const { return fan_in_; }
  int groups() const { return groups_; }
  // 1 / sqrt(fan_in) for kUniformFanIn, 0 otherwise.
  float init_bound() const;

  bool bound() const { return value_.defined(); }
  // The values (requires_grad, its grad a view into the arena's gradient buffer). Throws when no
  // arena has been built yet.
  Tensor value() const;
  Tensor grad() const { return value().grad(); }

 private:
  friend class ParameterArena;
  void bind(const Tensor& value, const Tensor& grad);
  void unbind() { value_ = Tensor(); }

  std::string name_;
  Shape shape_;
  ParamKind kind_;
  ParamInit init_;
  int64_t fan_in_;
  int groups_;
  Tensor value_;
};

}  // namespace revive::nn
