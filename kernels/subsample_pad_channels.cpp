#include "kernels/subsample_pad_channels.h"

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"

namespace revive::kernels {
namespace {

Shape output_shape(const Shape& x, const SubsamplePad& p) {
  return {x[0], p.pad_front + x[1] + p.pad_back, subsampled(x[2], p.stride), subsampled(x[3], p.stride)};
}

void check_params(const SubsamplePad& p, const char* op) {
  REVIVE_CHECK(p.stride >= 1 && p.pad_front >= 0 && p.pad_back >= 0,
               op << ": need stride >= 1 and non-negative channel padding, got stride " << p.stride << ", pad "
                  << p.pad_front << " + " << p.pad_back);
}

}  // namespace

Tensor subsample_pad_channels_forward(const Tensor& x, const SubsamplePad& p) {
  check_nchw(x, "subsample_pad_channels", "x");
  check_params(p, "subsample_pad_channels");
  const Shape y_shape = output_shape(x.shape(), p);
  return dispatch("subsample_pad_channels", x.device(), [&] { return subsample_pad_channels_forward_cpu(x, y_shape, p); },
                  [&] { return subsample_pad_channels_forward_cuda(x, y_shape, p); });
}

Tensor subsample_pad_channels_backward(const Tensor& dy, const Shape& x_shape, Layout x_layout, const SubsamplePad& p) {
  check_nchw(dy, "subsample_pad_channels backward", "dy");
  check_params(p, "subsample_pad_channels backward");
  REVIVE_CHECK(x_shape.size() == 4 && dy.shape() == output_shape(x_shape, p),
               "subsample_pad_channels backward: dy " << shape_str(dy.shape()) << " does not fit x "
                                                      << shape_str(x_shape));
  return dispatch("subsample_pad_channels backward", dy.device(),
                  [&] { return subsample_pad_channels_backward_cpu(dy, x_shape, x_layout, p); },
                  [&] { return subsample_pad_channels_backward_cuda(dy, x_shape, x_layout, p); });
}

}  // namespace revive::kernels
