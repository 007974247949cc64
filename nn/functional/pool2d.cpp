#include "core/autograd.h"
#include "kernels/pool2d.h"
#include "nn/functional.h"

namespace revive::nn::functional {

// Saves x: the backward finds each window's first maximum again instead of keeping indices.
Tensor max_pool2d(const Tensor& x, const kernels::Pool2dParams& p) {
  Tensor y = kernels::max_pool2d_forward(x, p);
  record("max_pool2d", {x}, y, [x = x.detach(), p](const Tensor& dy) {
    return std::vector<Tensor>{kernels::max_pool2d_backward(dy, x, p)};
  });
  return y;
}

Tensor avg_pool2d(const Tensor& x, const kernels::Pool2dParams& p) {
  Tensor y = kernels::avg_pool2d_forward(x, p);
  record("avg_pool2d", {x}, y, [shape = x.shape(), layout = x.layout(), p](const Tensor& dy) {
    return std::vector<Tensor>{kernels::avg_pool2d_backward(dy, shape, layout, p)};
  });
  return y;
}

}  // namespace revive::nn::functional
