// The convolution entry points of kernels/conv2d.h: validation, then the oneDNN (CPU) or cuDNN
// (CUDA) backend.
#include "kernels/conv2d.h"

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"
#include "kernels/layout.h"

namespace revive::kernels {
namespace {

void check_plain_operand(const Tensor& t, const Tensor& x, const char* what) {
  check_float(t, "conv2d", what);
  check_same_device(x, t, "conv2d", what);
  REVIVE_CHECK(t.is_plain(), "conv2d: " << what << " must be plain, got " << layout_name(t.layout()));
}

void check_bias(const Tensor& b, const Tensor& x, const char* what, const Conv2dShape& s) {
  check_plain_operand(b, x, what);
  REVIVE_CHECK(b.shape() == Shape{s.K}, "conv2d: " << what << " has shape " << shape_str(b.shape()) << "; expected ["
                                                   << s.K << "]");
}

void check_grad_out(const Tensor& dy, const Conv2dShape& s) {
  check_float(dy, "conv2d", "output gradient dy");
  const Shape expected{s.N, s.K, s.P, s.Q};
  REVIVE_CHECK(dy.shape() == expected, "conv2d: output gradient has shape " << shape_str(dy.shape()) << "; expected "
                                                                           << shape_str(expected));
}

void check_cuda_layout(Device d, Layout l, const char* what) {
  REVIVE_CHECK(d.is_cpu() || l == Layout::kPlain,
               "conv2d: " << what << " asked in layout " << layout_name(l) << " on " << d.str()
                          << "; CUDA tensors are always plain NCHW");
}

}  // namespace

Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  REVIVE_CHECK(x.defined(), "conv2d: input x is undefined");
  return conv2d_forward(x, w, bias, p, x.device().is_cpu() ? preferred_layout() : Layout::kPlain);
}

Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p, Layout y_layout) {
  check_float(x, "conv2d", "input x");
  check_plain_operand(w, x, "weight w");
  const Conv2dShape s = conv2d_shape(x.shape(), w.shape(), p);
  if (bias.defined()) check_bias(bias, x, "bias", s);
  check_cuda_layout(x.device(), y_layout, "the output");
  return dispatch("conv2d", x.device(), [&] { return conv2d_forward_cpu(x, w, bias, p, y_layout); },
                  [&] { return conv2d_forward_cuda(x, w, bias, p); });
}

Tensor conv2d_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape, Layout x_layout,
                            const Conv2dParams& p) {
  REVIVE_CHECK(dy.defined(), "conv2d: output gradient dy is undefined");
  check_plain_operand(w, dy, "weight w");
  const Conv2dShape s = conv2d_shape(x_shape, w.shape(), p);
  check_grad_out(dy, s);
  check_cuda_layout(dy.device(), x_layout, "the input gradient");
  return dispatch("conv2d backward data", dy.device(), [&] { return conv2d_backward_data_cpu(dy, w, x_shape, x_layout, p); },
                  [&] { return conv2d_backward_data_cuda(dy, w, x_shape, p); });
}

void conv2d_backward_weights(Tensor& dw, Tensor* dbias, const Tensor& x, const Tensor& dy, const Conv2dParams& p) {
  check_float(x, "conv2d", "input x");
  check_plain_operand(dw, x, "weight gradient dw");
  const Conv2dShape s = conv2d_shape(x.shape(), dw.shape(), p);
  Tensor* db = dbias != nullptr && dbias->defined() ? dbias : nullptr;
  if (db != nullptr) check_bias(*db, x, "bias gradient", s);
  check_grad_out(dy, s);
  check_same_device(x, dy, "conv2d", "output gradient dy");
  dispatch("conv2d backward weights", x.device(), [&] { conv2d_backward_weights_cpu(dw, db, x, dy, p); },
           [&] { conv2d_backward_weights_cuda(dw, db, x, dy, p); });
}

}  // namespace revive::kernels
