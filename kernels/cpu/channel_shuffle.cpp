#include "kernels/channel_shuffle.h"

#include <algorithm>

#include "kernels/entry_checks.h"
#include "kernels/layout.h"

namespace revive::kernels {
namespace {

Tensor shuffle(const Tensor& x, int64_t groups, const char* op) {
  check_cpu_float(x, op, "x");
  REVIVE_CHECK(x.ndim() >= 2, op << ": x needs a channel dimension, got " << shape_str(x.shape()));
  const int64_t C = x.dim(1);
  REVIVE_CHECK(groups >= 1 && C % groups == 0,
               op << ": " << C << " channels do not split into " << groups << " groups");
  int64_t inner = 1;
  for (int i = 2; i < x.ndim(); ++i) inner *= x.dim(i);
  const Tensor xp = to_plain(x);
  Tensor y = Tensor::empty(x.shape());
  channel_shuffle_cpu(y.data<float>(), xp.data<float>(), x.dim(0), C, inner, groups);
  return y;
}

}  // namespace

template <class T>
void channel_shuffle_cpu(T* y, const T* x, int64_t N, int64_t C, int64_t inner, int64_t groups) {
  const int64_t per_group = C / groups;
#pragma omp parallel for collapse(2) if (N * C * inner > 32768) schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      const int64_t i = c / per_group, j = c % per_group;  // source channel c = i c' + j
      const T* src = x + (n * C + c) * inner;
      std::copy(src, src + inner, y + (n * C + j * groups + i) * inner);
    }
  }
}
template void channel_shuffle_cpu<float>(float*, const float*, int64_t, int64_t, int64_t, int64_t);
template void channel_shuffle_cpu<double>(double*, const double*, int64_t, int64_t, int64_t, int64_t);

Tensor channel_shuffle_forward(const Tensor& x, int groups) { return shuffle(x, groups, "channel_shuffle"); }

Tensor channel_shuffle_backward(const Tensor& dy, int groups, Layout x_layout) {
  REVIVE_CHECK(dy.defined() && dy.ndim() >= 2 && groups >= 1 && dy.dim(1) % groups == 0,
               "channel_shuffle backward: dy must have a channel count divisible by " << groups);
  return to_layout(shuffle(dy, dy.dim(1) / groups, "channel_shuffle backward"), x_layout);
}

}  // namespace revive::kernels
