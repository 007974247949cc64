#include "core/autograd.h"
#include "kernels/add.h"
#include "kernels/layout.h"
#include "kernels/relu.h"
#include "nn/functional.h"

namespace revive::nn::functional {
namespace {

// Both inputs take dy_sum, the gradient of the sum, each in its own layout.
std::vector<Tensor> sum_grads(const Tensor& dy_sum, Layout a_layout, Layout b_layout, bool need_a, bool need_b) {
  return {need_a ? kernels::to_layout(dy_sum, a_layout) : Tensor(),
          need_b ? kernels::to_layout(dy_sum, b_layout) : Tensor()};
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = kernels::add_forward(a, b);
  const bool need_a = a.requires_grad(), need_b = b.requires_grad();
  record("add", {a, b}, y, [a_layout = a.layout(), b_layout = b.layout(), need_a, need_b](const Tensor& dy) {
    return sum_grads(dy, a_layout, b_layout, need_a, need_b);
  });
  return y;
}

Tensor add_relu(const Tensor& a, const Tensor& b) {
  Tensor y = kernels::add_forward(a, b, true);
  const bool need_a = a.requires_grad(), need_b = b.requires_grad();
  record("add_relu", {a, b}, y,
         [y = y.detach(), a_layout = a.layout(), b_layout = b.layout(), need_a, need_b](const Tensor& dy) {
           return sum_grads(kernels::relu_backward(dy, y), a_layout, b_layout, need_a, need_b);
         });
  return y;
}

}  // namespace revive::nn::functional
