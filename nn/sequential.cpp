#include "nn/sequential.h"

namespace revive::nn {

Module* Sequential::operator[](size_t i) const {
  REVIVE_CHECK(i < modules_.size(), "Sequential: index " << i << " out of range for " << modules_.size() << " children");
  return modules_[i];
}

Tensor Sequential::forward_impl(const Tensor& x) {
  Tensor y = x;
  for (Module* m : modules_) y = m->forward(y);
  return y;
}

}  // namespace revive::nn
