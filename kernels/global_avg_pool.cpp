#include "kernels/global_avg_pool.h"

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"

namespace revive::kernels {

Tensor global_avg_pool_forward(const Tensor& x) {
  check_nchw(x, "global_avg_pool", "x");
  REVIVE_CHECK(x.dim(2) * x.dim(3) > 0, "global_avg_pool: x has no pixels, shape " << shape_str(x.shape()));
  return dispatch("global_avg_pool", x.device(), [&] { return global_avg_pool_forward_cpu(x); },
                  [&] { return global_avg_pool_forward_cuda(x); });
}

Tensor global_avg_pool_backward(const Tensor& dy, const Shape& x_shape, Layout x_layout) {
  check_float(dy, "global_avg_pool backward", "dy");
  REVIVE_CHECK(x_shape.size() == 4 && dy.shape() == (Shape{x_shape[0], x_shape[1]}) && dy.is_plain(),
               "global_avg_pool backward: dy must be plain [N, C] for x " << shape_str(x_shape) << ", got "
                                                                          << shape_str(dy.shape()));
  return dispatch("global_avg_pool backward", dy.device(),
                  [&] { return global_avg_pool_backward_cpu(dy, x_shape, x_layout); },
                  [&] { return global_avg_pool_backward_cuda(dy, x_shape, x_layout); });
}

}  // namespace revive::kernels
