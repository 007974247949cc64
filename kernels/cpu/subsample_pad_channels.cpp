#include "kernels/subsample_pad_channels.h"

#include <algorithm>

#include "kernels/cpu/channel_blocks.h"
#include "kernels/layout.h"

namespace revive::kernels {
namespace {

// Both directions on [N, C, H, W] stored as N x ceil(C/B) planes of H W x B values (B = 1: plain
// NCHW), x and y in one layout. Blocked tensors stay blocked: converting x to plain and y back
// took four layout passes per option-A block and step.
struct Extents {
  int64_t N, C, H, W, K, P, Q, x_blocks, y_blocks;
};

template <int B>
Extents extents(int64_t N, int64_t C, int64_t H, int64_t W, const SubsamplePad& p) {
  const int64_t K = p.pad_front + C + p.pad_back;
  return {N, C, H, W, K, subsampled(H, p.stride), subsampled(W, p.stride), (C + B - 1) / B, (K + B - 1) / B};
}

template <class T, int B>
void forward_blocks(T* y, const T* x, const Extents& e, const SubsamplePad& p) {
  const int64_t PQ = e.P * e.Q;
#pragma omp parallel for collapse(2) if (e.N * e.K * PQ > 32768) schedule(static)
  for (int64_t n = 0; n < e.N; ++n) {
    for (int64_t kb = 0; kb < e.y_blocks; ++kb) {
      T* yb = y + (n * e.y_blocks + kb) * PQ * B;
      for (int64_t j = 0; j < B; ++j) {
        const int64_t c = kb * B + j - p.pad_front;
        if (c < 0 || c >= e.C) {  // padding channels, of the op or of the layout
          for (int64_t i = 0; i < PQ; ++i) yb[i * B + j] = T(0);
          continue;
        }
        const T* xc = x + (n * e.x_blocks + c / B) * e.H * e.W * B + c % B;
        for (int64_t i = 0; i < e.P; ++i) {
          for (int64_t q = 0; q < e.Q; ++q) yb[(i * e.Q + q) * B + j] = xc[(i * p.stride * e.W + q * p.stride) * B];
        }
      }
    }
  }
}

template <class T, int B>
void backward_blocks(T* dx, const T* dy, const Extents& e, const SubsamplePad& p) {
  const int64_t HW = e.H * e.W, PQ = e.P * e.Q;
#pragma omp parallel for collapse(2) if (e.N * e.C * HW > 32768) schedule(static)
  for (int64_t n = 0; n < e.N; ++n) {
    for (int64_t cb = 0; cb < e.x_blocks; ++cb) {
      T* dxb = dx + (n * e.x_blocks + cb) * HW * B;
      std::fill(dxb, dxb + HW * B, T(0));
      for (int64_t j = 0; j < B && cb * B + j < e.C; ++j) {
        const int64_t k = cb * B + j + p.pad_front;
        const T* dyk = dy + (n * e.y_blocks + k / B) * PQ * B + k % B;
        for (int64_t i = 0; i < e.P; ++i) {
          for (int64_t q = 0; q < e.Q; ++q) dxb[(i * p.stride * e.W + q * p.stride) * B + j] = dyk[(i * e.Q + q) * B];
        }
      }
    }
  }
}

}  // namespace

template <class T>
void subsample_pad_channels_forward_cpu(T* y, const T* x, int64_t N, int64_t C, int64_t H, int64_t W,
                                        const SubsamplePad& p) {
  forward_blocks<T, 1>(y, x, extents<1>(N, C, H, W, p), p);
}

template <class T>
void subsample_pad_channels_backward_cpu(T* dx, const T* dy, int64_t N, int64_t C, int64_t H, int64_t W,
                                         const SubsamplePad& p) {
  backward_blocks<T, 1>(dx, dy, extents<1>(N, C, H, W, p), p);
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
  Tensor y = Tensor::empty(y_shape, DType::kFloat32, Device::cpu(), x.layout());
  cpu::with_block_size(x.layout(), [&](auto block) {
    constexpr int B = decltype(block)::value;
    forward_blocks<float, B>(y.data<float>(), x.data<float>(), extents<B>(x.dim(0), x.dim(1), x.dim(2), x.dim(3), p),
                             p);
  });
  return y;
}

Tensor subsample_pad_channels_backward_cpu(const Tensor& dy, const Shape& x_shape, Layout x_layout,
                                           const SubsamplePad& p) {
  const Tensor g = to_layout(dy, x_layout);
  Tensor dx = Tensor::empty(x_shape, DType::kFloat32, Device::cpu(), x_layout);
  cpu::with_block_size(x_layout, [&](auto block) {
    constexpr int B = decltype(block)::value;
    backward_blocks<float, B>(dx.data<float>(), g.data<float>(),
                              extents<B>(x_shape[0], x_shape[1], x_shape[2], x_shape[3], p), p);
  });
  return dx;
}

}  // namespace revive::kernels
