// F::linear (nn/functional.h): kernels/linear.h forward, backward closure per the registry entry.
#include "kernels/linear.h"
#include "nn/functional.h"
#include "nn/functional/weighted_op.h"

namespace revive::nn::functional {

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  Tensor y = kernels::linear_forward(x, w, bias);
  record_weighted_op(
      "linear", x, w, bias, y, [](const Tensor& dy, const Tensor& w_saved) {
        return kernels::linear_backward_data(dy, w_saved);
      },
      [](Tensor& dw, Tensor* dbias, const Tensor& x_saved, const Tensor& dy) {
        kernels::linear_backward_weights(dw, dbias, x_saved, dy);
      });
  return y;
}

}  // namespace revive::nn::functional
