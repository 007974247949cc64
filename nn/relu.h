#pragma once

#include "nn/module.h"

namespace revive::nn {

/// max(x, 0), element-wise. Input of any shape -> output of the same shape and layout.
class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}

 private:
  Tensor forward_impl(const Tensor& x) override;
};

}  // namespace revive::nn
