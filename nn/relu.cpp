#include "nn/relu.h"

#include "nn/functional.h"

namespace revive::nn {

Tensor ReLU::forward_impl(const Tensor& x) { return F::relu(x); }

}  // namespace revive::nn
