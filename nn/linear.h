#pragma once

#include "nn/module.h"

namespace revive::nn {

/// Fully connected layer (PyTorch nn.Linear). Input [N, in_features] -> output [N, out_features].
/// Parameters: weight [out_features, in_features], bias [out_features] (when `bias`), both
/// U(-1/sqrt(in_features), 1/sqrt(in_features)).
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);

  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  Parameter* weight() const { return weight_; }
  Parameter* bias() const { return bias_; }  // null without bias

 private:
  Tensor forward_impl(const Tensor& x) override;

  int64_t in_features_, out_features_;
  Parameter* weight_ = nullptr;
  Parameter* bias_ = nullptr;
};

}  // namespace revive::nn
