#include "kernels/relu.h"

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"

namespace revive::kernels {
namespace {

Tensor forward(const Tensor& x, Rectifier r, const char* op) {
  check_float(x, op, "x");
  return dispatch(op, x.device(), [&] { return rectifier_forward_cpu(x, r); },
                  [&] { return rectifier_forward_cuda(x, r); });
}

Tensor backward(const Tensor& dy, const Tensor& y, Rectifier r, const char* op) {
  check_float(y, op, "y");
  check_float(dy, op, "dy");
  check_same_device(y, dy, op, "dy");
  REVIVE_CHECK(dy.shape() == y.shape(), op << ": dy " << shape_str(dy.shape()) << " does not match y "
                                           << shape_str(y.shape()));
  return dispatch(op, y.device(), [&] { return rectifier_backward_cpu(dy, y, r); },
                  [&] { return rectifier_backward_cuda(dy, y, r); });
}

}  // namespace

Tensor relu_forward(const Tensor& x) { return forward(x, Rectifier::kRelu, "relu"); }
Tensor relu_backward(const Tensor& dy, const Tensor& y) { return backward(dy, y, Rectifier::kRelu, "relu backward"); }
Tensor relu6_forward(const Tensor& x) { return forward(x, Rectifier::kRelu6, "relu6"); }
Tensor relu6_backward(const Tensor& dy, const Tensor& y) {
  return backward(dy, y, Rectifier::kRelu6, "relu6 backward");
}

}  // namespace revive::kernels
