#include "nn/relu6.h"

#include "nn/functional.h"

namespace revive::nn {

Tensor ReLU6::forward_impl(const Tensor& x) { return F::relu6(x); }

}  // namespace revive::nn
