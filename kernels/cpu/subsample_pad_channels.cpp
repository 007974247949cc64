#include "kernels/subsample_pad_channels.h"

#include <algorithm>

#include "kernels/layout.h"

namespace revive::kernels {

template <class T>
void subsample_pad_channels_forward_cpu(T* y, const T* x, int64_t N, int64_t C, int64_t H, int64_t W,
                                        const SubsamplePad& p) {
  const int64_t K = p.pad_front + C + p.pad_back, P = subsampled(H, p.stride), Q = subsampled(W, p.stride);
#pragma omp parallel for collapse(2) if (N * K * P * Q > 32768) schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t k = 0; k < K; ++k) {
      T* yp = y + (n * K + k) * P * Q;
      const int64_t c = k - p.pad_front;
      if (c < 0 || c >= C) {
        std::fill(yp, yp + P * Q, T(0));
        continue;
      }
      const T* xp = x + (n * C + c) * H * W;
      for (int64_t i = 0; i < P; ++i) {
        for (int64_t j = 0; j < Q; ++j) yp[i * Q + j] = xp[i * p.stride * W + j * p.stride];
      }
    }
  }
}

template <class T>
void subsample_pad_channels_backward_cpu(T* dx, const T* dy, int64_t N, int64_t C, int64_t H, int64_t W,
                                         const SubsamplePad& p) {
  const int64_t K = p.pad_front + C + p.pad_back, P = subsampled(H, p.stride), Q = subsampled(W, p.stride);
#pragma omp parallel for collapse(2) if (N * C * H * W > 32768) schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      T* dxp = dx + (n * C + c) * H * W;
      const T* dyp = dy + (n * K + p.pad_front + c) * P * Q;
      std::fill(dxp, dxp + H * W, T(0));
      for (int64_t i = 0; i < P; ++i) {
        for (int64_t j = 0; j < Q; ++j) dxp[i * p.stride * W + j * p.stride] = dyp[i * Q + j];
      }
    }
  }
}

#define REVIVE_INSTANTIATE(T)                                                                                       \
  template void subsample_pad_channels_forward_cpu<T>(T*, const T*, int64_t, int64_t, int64_t, int64_t,            \
                                                      const SubsamplePad&);                                         \
  template void subsample_pad_channels_backward_cpu<T>(T*, const T*, int64_t, int64_t, int64_t, int64_t,           \
                                                       const SubsamplePad&);
REVIVE_INSTANTIATE(float)
REVIVE_INSTANTIATE(double)
#undef REVIVE_INSTANTIATE

Tensor subsample_pad_channels_forward_cpu(const Tensor& x, const Shape& y_shape, const SubsamplePad& p) {
  const Tensor xp = to_plain(x);
  Tensor y = Tensor::empty(y_shape);
  subsample_pad_channels_forward_cpu(y.data<float>(), xp.data<float>(), x.dim(0), x.dim(1), x.dim(2), x.dim(3), p);
  return y;
}

Tensor subsample_pad_channels_backward_cpu(const Tensor& dy, const Shape& x_shape, Layout x_layout,
                                           const SubsamplePad& p) {
  const Tensor g = to_plain(dy);
  Tensor dx = Tensor::empty(x_shape);
  subsample_pad_channels_backward_cpu(dx.data<float>(), g.data<float>(), x_shape[0], x_shape[1], x_shape[2],
                                      x_shape[3], p);
  return to_layout(dx, x_layout);
}

}  // namespace revive::kernels
