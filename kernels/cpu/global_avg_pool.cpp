#include "kernels/global_avg_pool.h"

#include "kernels/cpu/channel_blocks.h"

namespace revive::kernels {
namespace {

template <class T, int B>
void forward_impl(T* y, const T* x, int64_t N, int64_t C, int64_t HW) {
  const cpu::ChannelBlocks g = cpu::channel_blocks<B>(N, C, HW);
  const T scale = T(1) / static_cast<T>(HW);
#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < g.n_planes(); ++plane) {
    const int64_t n = plane / g.n_blocks, c0 = (plane % g.n_blocks) * B;
    const T* xp = x + plane * HW * B;
    T sum[B] = {};
    for (int64_t i = 0; i < HW; ++i) {
      for (int j = 0; j < B; ++j) sum[j] += xp[i * B + j];
    }
    for (int j = 0; j < B && c0 + j < C; ++j) y[n * C + c0 + j] = sum[j] * scale;
  }
}

template <class T, int B>
void backward_impl(T* dx, const T* dy, int64_t N, int64_t C, int64_t HW) {
  const cpu::ChannelBlocks g = cpu::channel_blocks<B>(N, C, HW);
  const T scale = T(1) / static_cast<T>(HW);
#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < g.n_planes(); ++plane) {
    const int64_t n = plane / g.n_blocks, c0 = (plane % g.n_blocks) * B;
    T v[B];
    for (int j = 0; j < B; ++j) v[j] = c0 + j < C ? dy[n * C + c0 + j] * scale : T(0);
    T* dxp = dx + plane * HW * B;
    for (int64_t i = 0; i < HW; ++i) {
      for (int j = 0; j < B; ++j) dxp[i * B + j] = v[j];
    }
  }
}

}  // namespace

template <class T>
void global_avg_pool_forward_cpu(T* y, const T* x, int64_t N, int64_t C, int64_t HW) {
  forward_impl<T, 1>(y, x, N, C, HW);
}
template <class T>
void global_avg_pool_backward_cpu(T* dx, const T* dy, int64_t N, int64_t C, int64_t HW) {
  backward_impl<T, 1>(dx, dy, N, C, HW);
}
template void global_avg_pool_forward_cpu<float>(float*, const float*, int64_t, int64_t, int64_t);
template void global_avg_pool_forward_cpu<double>(double*, const double*, int64_t, int64_t, int64_t);
template void global_avg_pool_backward_cpu<float>(float*, const float*, int64_t, int64_t, int64_t);
template void global_avg_pool_backward_cpu<double>(double*, const double*, int64_t, int64_t, int64_t);

Tensor global_avg_pool_forward_cpu(const Tensor& x) {
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
  Tensor y = Tensor::empty({N, C});
  cpu::with_block_size(x.layout(), [&](auto block) {
    forward_impl<float, decltype(block)::value>(y.data<float>(), x.data<float>(), N, C, HW);
  });
  return y;
}

Tensor global_avg_pool_backward_cpu(const Tensor& dy, const Shape& x_shape, Layout x_layout) {
  const int64_t N = x_shape[0], C = x_shape[1], HW = x_shape[2] * x_shape[3];
  Tensor dx = Tensor::empty(x_shape, DType::kFloat32, Device::cpu(), x_layout);
  cpu::with_block_size(x_layout, [&](auto block) {
    backward_impl<float, decltype(block)::value>(dx.data<float>(), dy.data<float>(), N, C, HW);
  });
  return dx;
}

}  // namespace revive::kernels
