#include "kernels/concat.h"

#include <algorithm>

#include "kernels/entry_checks.h"
#include "kernels/layout.h"

namespace revive::kernels {
namespace {

// Copies, for every image n, the run of `count` channels starting at channel src_begin of a
// C_src-channel tensor to channel dst_begin of a C_dst-channel tensor.
template <class T>
void copy_channels(T* dst, int64_t C_dst, int64_t dst_begin, const T* src, int64_t C_src, int64_t src_begin,
                   int64_t count, int64_t N, int64_t inner) {
  const int64_t run = count * inner;
#pragma omp parallel for if (N * run > 32768) schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    const T* s = src + (n * C_src + src_begin) * inner;
    std::copy(s, s + run, dst + (n * C_dst + dst_begin) * inner);
  }
}

int64_t inner_size(const Shape& s) {
  int64_t inner = 1;
  for (size_t i = 2; i < s.size(); ++i) inner *= s[i];
  return inner;
}

}  // namespace

template <class T>
void concat_forward_cpu(T* y, const T* x, int64_t N, int64_t C_y, int64_t c_begin, int64_t C_x, int64_t inner) {
  copy_channels(y, C_y, c_begin, x, C_x, 0, C_x, N, inner);
}
template <class T>
void concat_backward_cpu(T* dx, const T* dy, int64_t N, int64_t C_y, int64_t c_begin, int64_t C_x, int64_t inner) {
  copy_channels(dx, C_x, 0, dy, C_y, c_begin, C_x, N, inner);
}

#define REVIVE_INSTANTIATE(T)                                                                               \
  template void concat_forward_cpu<T>(T*, const T*, int64_t, int64_t, int64_t, int64_t, int64_t);          \
  template void concat_backward_cpu<T>(T*, const T*, int64_t, int64_t, int64_t, int64_t, int64_t);
REVIVE_INSTANTIATE(float)
REVIVE_INSTANTIATE(double)
#undef REVIVE_INSTANTIATE

Tensor concat_forward(const std::vector<Tensor>& xs) {
  REVIVE_CHECK(!xs.empty(), "concat: no inputs");
  for (size_t i = 0; i < xs.size(); ++i) {
    check_cpu_float(xs[i], "concat", ("xs[" + std::to_string(i) + "]").c_str());
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
  Tensor y = Tensor::empty(out);
  const int64_t inner = inner_size(out);
  int64_t c_begin = 0;
  for (const Tensor& x : xs) {
    const Tensor xp = to_plain(x);
    concat_forward_cpu(y.data<float>(), xp.data<float>(), out[0], out[1], c_begin, x.dim(1), inner);
    c_begin += x.dim(1);
  }
  return y;
}

Tensor concat_backward(const Tensor& dy, int64_t c_begin, const Shape& x_shape, Layout x_layout) {
  check_cpu_float(dy, "concat backward", "dy");
  Shape expect = x_shape;
  REVIVE_CHECK(expect.size() >= 2 && dy.ndim() == static_cast<int>(expect.size()),
               "concat backward: dy " << shape_str(dy.shape()) << " does not fit x " << shape_str(x_shape));
  expect[1] = dy.dim(1);
  REVIVE_CHECK(dy.shape() == expect && c_begin >= 0 && c_begin + x_shape[1] <= dy.dim(1),
               "concat backward: channels [" << c_begin << ", " << c_begin + x_shape[1] << ") of dy "
                                             << shape_str(dy.shape()) << " do not fit x " << shape_str(x_shape));
  const Tensor g = to_plain(dy);
  Tensor dx = Tensor::empty(x_shape);
  concat_backward_cpu(dx.data<float>(), g.data<float>(), x_shape[0], dy.dim(1), c_begin, x_shape[1],
                      inner_size(x_shape));
  return to_layout(dx, x_layout);
}

}  // namespace revive::kernels
