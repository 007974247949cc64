#include "kernels/concat.h"

#include <algorithm>

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

Tensor concat_forward_cpu(const std::vector<Tensor>& xs, const Shape& y_shape) {
  Tensor y = Tensor::empty(y_shape);
  const int64_t inner = inner_size(y_shape);
  int64_t c_begin = 0;
  for (const Tensor& x : xs) {
    const Tensor xp = to_plain(x);
    concat_forward_cpu(y.data<float>(), xp.data<float>(), y_shape[0], y_shape[1], c_begin, x.dim(1), inner);
    c_begin += x.dim(1);
  }
  return y;
}

Tensor concat_backward_cpu(const Tensor& dy, int64_t c_begin, const Shape& x_shape, Layout x_layout) {
  const Tensor g = to_plain(dy);
  Tensor dx = Tensor::empty(x_shape);
  concat_backward_cpu(dx.data<float>(), g.data<float>(), x_shape[0], dy.dim(1), c_begin, x_shape[1],
                      inner_size(x_shape));
  return to_layout(dx, x_layout);
}

}  // namespace revive::kernels
