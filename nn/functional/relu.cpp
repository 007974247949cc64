#include "core/autograd.h"
#include "kernels/relu.h"
#include "nn/functional.h"

namespace revive::nn::functional {
namespace {

// Both rectifiers save y only: their masks are functions of y.
Tensor rectify(const Tensor& x, const char* name, Tensor (*forward)(const Tensor&),
               Tensor (*backward)(const Tensor&, const Tensor&)) {
  Tensor y = forward(x);
  record(name, {x}, y, [y = y.detach(), backward](const Tensor& dy) { return std::vector<Tensor>{backward(dy, y)}; });
  return y;
}

}  // namespace

Tensor relu(const Tensor& x) { return rectify(x, "relu", kernels::relu_forward, kernels::relu_backward); }
Tensor relu6(const Tensor& x) { return rectify(x, "relu6", kernels::relu6_forward, kernels::relu6_backward); }

}  // namespace revive::nn::functional
