#include "core/autograd.h"
#include "kernels/global_avg_pool.h"
#include "nn/functional.h"

namespace revive::nn::functional {

Tensor global_avg_pool(const Tensor& x) {
  Tensor y = kernels::global_avg_pool_forward(x);
  record("global_avg_pool", {x}, y, [shape = x.shape(), layout = x.layout()](const Tensor& dy) {
    return std::vector<Tensor>{kernels::global_avg_pool_backward(dy, shape, layout)};
  });
  return y;
}

}  // namespace revive::nn::functional
