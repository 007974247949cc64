// F::linear (nn/functional.h): kernels/linear.h forward, backward closure per the registry entry.
#include "core/autograd.h"
#include "kernels/linear.h"
#include "nn/functional.h"

namespace revive::nn::functional {

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  Tensor y = kernels::linear_forward(x, w, bias);
  if (!needs_graph({x, w, bias})) return y;
  // As in F::conv2d: the needed gradients are decided at record time, and only their inputs saved.
  const bool need_x = x.requires_grad(), need_w = w.requires_grad();
  const bool need_bias = bias.defined() && bias.requires_grad();
  const Tensor x_saved = need_w || need_bias ? x.detach() : Tensor();
  const Tensor w_saved = need_x ? w.detach() : Tensor();
  const Shape w_shape = w.shape();
  const Device device = w.device();
  const Shape bias_shape = bias.defined() ? bias.shape() : Shape{};
  record("linear", {x, w, bias}, y, [=](const Tensor& dy) {
    std::vector<Tensor> grads(3);
    if (need_x) grads[0] = kernels::linear_backward_data(dy, w_saved);
    if (need_w || need_bias) {
      Tensor dw = Tensor::zeros(w_shape, DType::kFloat32, device);
      Tensor dbias = need_bias ? Tensor::zeros(bias_shape, DType::kFloat32, device) : Tensor();
      kernels::linear_backward_weights(dw, &dbias, x_saved, dy);
      if (need_w) grads[1] = dw;
      grads[2] = dbias;
    }
    return grads;
  });
  return y;
}

}  // namespace revive::nn::functional
