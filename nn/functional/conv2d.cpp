// F::conv2d (nn/functional.h): kernels/conv2d.h forward, backward closure per the registry entry.
#include "core/autograd.h"
#include "kernels/conv2d.h"
#include "nn/functional.h"

namespace revive::nn::functional {

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const kernels::Conv2dParams& p) {
  Tensor y = kernels::conv2d_forward(x, w, bias, p);
  if (!needs_graph({x, w, bias})) return y;
  // The closure cannot ask its node which inputs need a gradient, so decide here; save only what
  // those gradients read (dx needs w, dw and dbias need x).
  const bool need_x = x.requires_grad(), need_w = w.requires_grad();
  const bool need_bias = bias.defined() && bias.requires_grad();
  const Tensor x_saved = need_w || need_bias ? x.detach() : Tensor();
  const Tensor w_saved = need_x ? w.detach() : Tensor();
  const Shape w_shape = w.shape();
  const Device device = w.device();
  const Shape x_shape = x.shape();
  const Layout x_layout = x.layout();
  const Shape bias_shape = bias.defined() ? bias.shape() : Shape{};
  record("conv2d", {x, w, bias}, y, [=](const Tensor& dy) {
    std::vector<Tensor> grads(3);
    if (need_x) grads[0] = kernels::conv2d_backward_data(dy, w_saved, x_shape, x_layout, p);
    if (need_w || need_bias) {
      Tensor dw = Tensor::zeros(w_shape, DType::kFloat32, device);
      Tensor dbias = need_bias ? Tensor::zeros(bias_shape, DType::kFloat32, device) : Tensor();
      kernels::conv2d_backward_weights(dw, &dbias, x_saved, dy, p);
      if (need_w) grads[1] = dw;
      grads[2] = dbias;
    }
    return grads;
  });
  return y;
}

}  // namespace revive::nn::functional
