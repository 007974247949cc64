#include "kernels/channel_shuffle.h"

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"
#include "kernels/layout.h"

namespace revive::kernels {
namespace {

Tensor shuffle(const Tensor& x, int64_t groups, const char* op) {
  check_float(x, op, "x");
  REVIVE_CHECK(x.ndim() >= 2, op << ": x needs a channel dimension, got " << shape_str(x.shape()));
  const int64_t C = x.dim(1);
  REVIVE_CHECK(groups >= 1 && C % groups == 0,
               op << ": " << C << " channels do not split into " << groups << " groups");
  return dispatch(op, x.device(), [&] { return channel_shuffle_cpu(x, groups); },
                  [&] { return channel_shuffle_cuda(x, groups); });
}

}  // namespace

Tensor channel_shuffle_forward(const Tensor& x, int groups) { return shuffle(x, groups, "channel_shuffle"); }

Tensor channel_shuffle_backward(const Tensor& dy, int groups, Layout x_layout) {
  REVIVE_CHECK(dy.defined() && dy.ndim() >= 2 && groups >= 1 && dy.dim(1) % groups == 0,
               "channel_shuffle backward: dy must have a channel count divisible by " << groups);
  return to_layout(shuffle(dy, dy.dim(1) / groups, "channel_shuffle backward"), x_layout);
}

}  // namespace revive::kernels
