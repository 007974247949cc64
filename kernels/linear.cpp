// The linear-layer entry points of kernels/linear.h: validation, then the oneDNN (CPU) or cuBLAS
// (CUDA) backend.
#include "kernels/linear.h"

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"

namespace revive::kernels {
namespace {

// A plain float32 2-D matrix on `device`.
void check_matrix(const Tensor& t, Device device, const char* what) {
  check_float(t, "linear", what);
  REVIVE_CHECK(t.device() == device, "linear: " << what << " is on " << t.device().str() << " but the input is on "
                                                << device.str());
  REVIVE_CHECK(t.is_plain() && t.ndim() == 2, "linear: " << what << " must be a plain 2-D matrix, got "
                                                         << layout_name(t.layout()) << " " << shape_str(t.shape()));
}

void check_bias(const Tensor& b, Device device, const char* what, int64_t OUT) {
  check_float(b, "linear", what);
  REVIVE_CHECK(b.device() == device && b.is_plain(),
               "linear: " << what << " must be a plain float32 tensor on " << device.str());
  REVIVE_CHECK(b.shape() == Shape{OUT}, "linear: " << what << " has shape " << shape_str(b.shape())
                                                   << "; expected [" << OUT << "]");
}

void check_features(int64_t IN, int64_t OUT) {
  REVIVE_CHECK(IN >= 1 && OUT >= 1, "linear: needs at least one input and one output feature, got IN = "
                                        << IN << ", OUT = " << OUT);
}

void check_pair(const Tensor& a, int a_dim, const Tensor& b, int b_dim, const char* what) {
  REVIVE_CHECK(a.dim(a_dim) == b.dim(b_dim), "linear: " << what << " disagree: " << shape_str(a.shape())
                                                        << " and " << shape_str(b.shape()));
}

}  // namespace

Tensor linear_forward(const Tensor& x, const Tensor& w, const Tensor& bias) {
  REVIVE_CHECK(x.defined(), "linear: input x is undefined");
  check_matrix(x, x.device(), "input x");
  check_matrix(w, x.device(), "weight w");
  check_pair(x, 1, w, 1, "input features of x [N, IN] and w [OUT, IN]");
  check_features(x.dim(1), w.dim(0));
  if (bias.defined()) check_bias(bias, x.device(), "bias", w.dim(0));
  return dispatch("linear", x.device(), [&] { return linear_forward_cpu(x, w, bias); },
                  [&] { return linear_forward_cuda(x, w, bias); });
}

Tensor linear_backward_data(const Tensor& dy, const Tensor& w) {
  REVIVE_CHECK(dy.defined(), "linear: output gradient dy is undefined");
  check_matrix(dy, dy.device(), "output gradient dy");
  check_matrix(w, dy.device(), "weight w");
  check_pair(dy, 1, w, 0, "output features of dy [N, OUT] and w [OUT, IN]");
  check_features(w.dim(1), w.dim(0));
  return dispatch("linear backward data", dy.device(), [&] { return linear_backward_data_cpu(dy, w); },
                  [&] { return linear_backward_data_cuda(dy, w); });
}

void linear_backward_weights(Tensor& dw, Tensor* db, const Tensor& x, const Tensor& dy) {
  REVIVE_CHECK(x.defined(), "linear: input x is undefined");
  check_matrix(dw, x.device(), "weight gradient dw");
  check_matrix(x, x.device(), "input x");
  check_matrix(dy, x.device(), "output gradient dy");
  check_pair(x, 0, dy, 0, "batch sizes of x [N, IN] and dy [N, OUT]");
  check_pair(dw, 1, x, 1, "input features of dw [OUT, IN] and x [N, IN]");
  check_pair(dw, 0, dy, 1, "output features of dw [OUT, IN] and dy [N, OUT]");
  check_features(x.dim(1), dy.dim(1));
  Tensor* bias_grad = db != nullptr && db->defined() ? db : nullptr;
  if (bias_grad != nullptr) check_bias(*bias_grad, x.device(), "bias gradient", dy.dim(1));
  dispatch("linear backward weights", x.device(), [&] { linear_backward_weights_cpu(dw, bias_grad, x, dy); },
           [&] { linear_backward_weights_cuda(dw, bias_grad, x, dy); });
}

}  // namespace revive::kernels
