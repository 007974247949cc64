// The autograd record shared by the ops with a weight and an optional bias (F::conv2d, F::linear).
// The closure cannot ask its node which inputs need a gradient, so that is decided at record time,
// and only what those gradients read is saved (dx needs w; dw and dbias need x).
#pragma once

#include <vector>

#include "core/autograd.h"

namespace revive::nn::functional {

// backward_data(dy, w) returns dx; backward_weights(dw, &dbias, x, dy) accumulates into zeroed dw
// and dbias (dbias undefined when the bias needs no gradient).
template <class BackwardData, class BackwardWeights>
void record_weighted_op(const char* name, const Tensor& x, const Tensor& w, const Tensor& bias, Tensor& y,
                        BackwardData backward_data, BackwardWeights backward_weights) {
  if (!needs_graph({x, w, bias})) return;
  const bool need_x = x.requires_grad(), need_w = w.requires_grad();
  const bool need_bias = bias.defined() && bias.requires_grad();
  const Tensor x_saved = need_w || need_bias ? x.detach() : Tensor();
  const Tensor w_saved = need_x ? w.detach() : Tensor();
  const Shape w_shape = w.shape();
  const Device device = w.device();
  const Shape bias_shape = bias.defined() ? bias.shape() : Shape{};
  record(name, {x, w, bias}, y, [=](const Tensor& dy) {
    std::vector<Tensor> grads(3);
    if (need_x) grads[0] = backward_data(dy, w_saved);
    if (need_w || need_bias) {
      Tensor dw = Tensor::zeros(w_shape, DType::kFloat32, device);
      Tensor dbias = need_bias ? Tensor::zeros(bias_shape, DType::kFloat32, device) : Tensor();
      backward_weights(dw, &dbias, x_saved, dy);
      if (need_w) grads[1] = dw;
      grads[2] = dbias;
    }
    return grads;
  });
}

}  // namespace revive::nn::functional
