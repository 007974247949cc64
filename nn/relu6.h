#pragma once

#include "nn/module.h"

namespace revive::nn {

/// min(max(x, 0), 6), element-wise. Input of any shape -> output of the same shape and layout.
class ReLU6 : public Module {
 public:
  ReLU6() : Module("ReLU6") {}

 private:
  Tensor forward_impl(const Tensor& x) override;
};

}  // namespace revive::nn
