#include "kernels/channel_shuffle.h"

#include <algorithm>

#include "kernels/layout.h"

namespace revive::kernels {

template <class T>
void channel_shuffle_cpu(T* y, const T* x, int64_t N, int64_t C, int64_t inner, int64_t groups) {
  const int64_t per_group = C / groups;
#pragma omp parallel for collapse(2) if (N * C * inner > 32768) schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      const T* src = x + (n * C + c) * inner;
      std::copy(src, src + inner, y + (n * C + channel_shuffle_target(c, groups, per_group)) * inner);
    }
  }
}
template void channel_shuffle_cpu<float>(float*, const float*, int64_t, int64_t, int64_t, int64_t);
template void channel_shuffle_cpu<double>(double*, const double*, int64_t, int64_t, int64_t, int64_t);

Tensor channel_shuffle_cpu(const Tensor& x, int64_t groups) {
  int64_t inner = 1;
  for (int i = 2; i < x.ndim(); ++i) inner *= x.dim(i);
  const Tensor xp = to_plain(x);
  Tensor y = Tensor::empty(x.shape());
  channel_shuffle_cpu(y.data<float>(), xp.data<float>(), x.dim(0), x.dim(1), inner, groups);
  return y;
}

}  // namespace revive::kernels
