#include "nn/parameter.h"

#include <cmath>

namespace revive::nn {

const char* param_kind_name(ParamKind kind) {
  switch (kind) {
    case ParamKind::kConvWeight: return "conv_weight";
    case ParamKind::kConvBias: return "conv_bias";
    case ParamKind::kLinearWeight: return "linear_weight";
    case ParamKind::kLinearBias: return "linear_bias";
    case ParamKind::kBnWeight: return "bn_weight";
    case ParamKind::kBnBias: return "bn_bias";
  }
  return "?";
}

Parameter::Parameter(std::string name, Shape shape, ParamKind kind, ParamInit init, int64_t fan_in, int groups)
    : name_(std::move(name)), shape_(std::move(shape)), kind_(kind), init_(init), fan_in_(fan_in), groups_(groups) {
  REVIVE_CHECK(!shape_.empty() && shape_numel(shape_) > 0,
               "parameter '" << name_ << "' has shape " << shape_str(shape_) << "; expected a non-empty shape");
  REVIVE_CHECK(init_ != ParamInit::kUniformFanIn || fan_in_ > 0,
               "parameter '" << name_ << "': a fan-in initialiser needs fan_in > 0, got " << fan_in_);
  REVIVE_CHECK(groups_ >= 1, "parameter '" << name_ << "': groups must be >= 1, got " << groups_);
}

float Parameter::init_bound() const {
  return init_ == ParamInit::kUniformFanIn ? 1.0f / std::sqrt(static_cast<float>(fan_in_)) : 0.0f;
}

Tensor Parameter::value() const {
  REVIVE_CHECK(bound(), "parameter '" << name_ << "' " << shape_str(shape_)
                                      << " has no storage yet: build a ParameterArena over the model first "
                                         "(nn/parameter_arena.h)");
  return value_;
}

void Parameter::bind(const Tensor& value, const Tensor& grad) {
  value_ = value;
  value_.set_requires_grad(true);
  value_.set_grad(grad);
}

}  // namespace revive::nn
