// F::conv2d (nn/functional.h): kernels/conv2d.h forward, backward closure per the registry entry.
#include "kernels/conv2d.h"
#include "nn/functional.h"
#include "nn/functional/weighted_op.h"

namespace revive::nn::functional {

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const kernels::Conv2dParams& p) {
  Tensor y = kernels::conv2d_forward(x, w, bias, p);
  const Shape x_shape = x.shape();
  const Layout x_layout = x.layout();
  record_weighted_op(
      "conv2d", x, w, bias, y,
      [=](const Tensor& dy, const Tensor& w_saved) {
        return kernels::conv2d_backward_data(dy, w_saved, x_shape, x_layout, p);
      },
      [=](Tensor& dw, Tensor* dbias, const Tensor& x_saved, const Tensor& dy) {
        kernels::conv2d_backward_weights(dw, dbias, x_saved, dy, p);
      });
  return y;
}

}  // namespace revive::nn::functional
