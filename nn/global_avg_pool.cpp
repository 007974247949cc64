#include "nn/global_avg_pool.h"

#include "nn/functional.h"

namespace revive::nn {

Tensor GlobalAvgPool::forward_impl(const Tensor& x) {
  REVIVE_CHECK(x.ndim() == 4, "GlobalAvgPool: expected input [N, C, H, W], got " << shape_str(x.shape()));
  return F::global_avg_pool(x);
}

}  // namespace revive::nn
