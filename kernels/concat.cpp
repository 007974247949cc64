#include "kernels/concat.h"

#include <string>

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"

namespace revive::kernels {

Tensor concat_forward(const std::vector<Tensor>& xs) {
  REVIVE_CHECK(!xs.empty(), "concat: no inputs");
  for (size_t i = 0; i < xs.size(); ++i) {
    const std::string name = "xs[" + std::to_string(i) + "]";
    check_float(xs[i], "concat", name.c_str());
    check_same_device(xs[0], xs[i], "concat", name.c_str());
  }
  Shape out = xs[0].shape();
  REVIVE_CHECK(out.size() >= 2, "concat: inputs need a channel dimension, got " << shape_str(out));
  out[1] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    Shape s = xs[i].shape();
    REVIVE_CHECK(s.size() == out.size(), "concat: xs[" << i << "] " << shape_str(s) << " and xs[0] "
                                                       << shape_str(xs[0].shape()) << " differ in rank");
    out[1] += s[1];
    s[1] = out[1];
    REVIVE_CHECK(s == out, "concat: xs[" << i << "] " << shape_str(xs[i].shape()) << " differs from xs[0] "
                                         << shape_str(xs[0].shape()) << " outside the channel dimension");
  }
  return dispatch("concat", xs[0].device(), [&] { return concat_forward_cpu(xs, out); },
                  [&] { return concat_forward_cuda(xs, out); });
}

Tensor concat_backward(const Tensor& dy, int64_t c_begin, const Shape& x_shape, Layout x_layout) {
  check_float(dy, "concat backward", "dy");
  Shape expect = x_shape;
  REVIVE_CHECK(expect.size() >= 2 && dy.ndim() == static_cast<int>(expect.size()),
               "concat backward: dy " << shape_str(dy.shape()) << " does not fit x " << shape_str(x_shape));
  expect[1] = dy.dim(1);
  REVIVE_CHECK(dy.shape() == expect && c_begin >= 0 && c_begin + x_shape[1] <= dy.dim(1),
               "concat backward: channels [" << c_begin << ", " << c_begin + x_shape[1] << ") of dy "
                                             << shape_str(dy.shape()) << " do not fit x " << shape_str(x_shape));
  return dispatch("concat backward", dy.device(), [&] { return concat_backward_cpu(dy, c_begin, x_shape, x_layout); },
                  [&] { return concat_backward_cuda(dy, c_begin, x_shape, x_layout); });
}

}  // namespace revive::kernels
