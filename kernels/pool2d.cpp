#include "kernels/pool2d.h"

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"

namespace revive::kernels {
namespace {

// dy must be [N, C, P, Q] for x's shape and live on x's device.
void check_dy(const Tensor& dy, const Pool2dShape& s, Device x_device, const char* op) {
  check_nchw(dy, op, "dy");
  REVIVE_CHECK(dy.device() == x_device, op << ": dy is on " << dy.device().str() << ", x on " << x_device.str());
  REVIVE_CHECK(dy.shape() == (Shape{s.N, s.C, s.P, s.Q}),
               op << ": dy must have shape " << shape_str({s.N, s.C, s.P, s.Q}) << ", got " << shape_str(dy.shape()));
}

}  // namespace

Pool2dShape pool2d_shape(const Shape& x, const Pool2dParams& p) {
  REVIVE_CHECK(x.size() == 4, "pool2d: x must be 4-D [N, C, H, W], got " << shape_str(x));
  REVIVE_CHECK(p.kernel >= 1 && p.stride >= 1 && p.pad >= 0,
               "pool2d: need kernel >= 1, stride >= 1, pad >= 0; got kernel " << p.kernel << ", stride " << p.stride
                                                                              << ", pad " << p.pad);
  REVIVE_CHECK(2 * p.pad <= p.kernel, "pool2d: pad " << p.pad << " exceeds half the kernel " << p.kernel);
  REVIVE_CHECK(x[2] + 2 * p.pad >= p.kernel && x[3] + 2 * p.pad >= p.kernel,
               "pool2d: the " << p.kernel << "x" << p.kernel << " window does not fit the padded input "
                              << shape_str(x));
  return {x[0], x[1], x[2], x[3], (x[2] + 2 * p.pad - p.kernel) / p.stride + 1,
          (x[3] + 2 * p.pad - p.kernel) / p.stride + 1};
}


Tensor max_pool2d_forward(const Tensor& x, const Pool2dParams& p) {
  check_nchw(x, "max_pool2d", "x");
  pool2d_shape(x.shape(), p);
  return dispatch("max_pool2d", x.device(), [&] { return max_pool2d_forward_cpu(x, p); },
                  [&] { return max_pool2d_forward_cuda(x, p); });
}

Tensor max_pool2d_backward(const Tensor& dy, const Tensor& x, const Pool2dParams& p) {
  check_nchw(x, "max_pool2d backward", "x");
  check_dy(dy, pool2d_shape(x.shape(), p), x.device(), "max_pool2d backward");
  return dispatch("max_pool2d backward", x.device(), [&] { return max_pool2d_backward_cpu(dy, x, p); },
                  [&] { return max_pool2d_backward_cuda(dy, x, p); });
}

Tensor avg_pool2d_forward(const Tensor& x, const Pool2dParams& p) {
  check_nchw(x, "avg_pool2d", "x");
  pool2d_shape(x.shape(), p);
  return dispatch("avg_pool2d", x.device(), [&] { return avg_pool2d_forward_cpu(x, p); },
                  [&] { return avg_pool2d_forward_cuda(x, p); });
}

Tensor avg_pool2d_backward(const Tensor& dy, const Shape& x_shape, Layout x_layout, const Pool2dParams& p) {
  check_dy(dy, pool2d_shape(x_shape, p), dy.defined() ? dy.device() : Device::cpu(), "avg_pool2d backward");
  return dispatch("avg_pool2d backward", dy.device(), [&] { return avg_pool2d_backward_cpu(dy, x_shape, x_layout, p); },
                  [&] { return avg_pool2d_backward_cuda(dy, x_shape, x_layout, p); });
}

}  // namespace revive::kernels
