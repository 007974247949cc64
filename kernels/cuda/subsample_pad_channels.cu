// subsample_pad_channels_forward_cuda / _backward_cuda (kernels/subsample_pad_channels.h) on plain
// NCHW buffers.
//
// Versions: one grid-stride gather kernel per direction, a thread per output element:
//  - forward: y[n, k, p, q] = x[n, k - front, p s, q s], zero in the padding channels;
//  - backward: dx[n, c, h, w] = dy[n, front + c, h / s, w / s] where s divides h and w, else zero.
#include "kernels/cuda/launch.cuh"
#include "kernels/subsample_pad_channels.h"

namespace revive::kernels {

static __global__ void subsample_pad_fwd_kernel(int64_t n, float* y, const float* x, int64_t C, int64_t H, int64_t W,
                                                int64_t K, int64_t P, int64_t Q, SubsamplePad p) {
  REVIVE_CUDA_KERNEL_LOOP(i, n) {
    const int64_t q = i % Q, row = (i / Q) % P, k = (i / (P * Q)) % K, image = i / (K * P * Q);
    const int64_t c = k - p.pad_front;
    y[i] = c < 0 || c >= C ? 0.0f : x[((image * C + c) * H + row * p.stride) * W + q * p.stride];
  }
}

static __global__ void subsample_pad_bwd_kernel(int64_t n, float* dx, const float* dy, int64_t C, int64_t H,
                                                int64_t W, int64_t K, int64_t P, int64_t Q, SubsamplePad p) {
  REVIVE_CUDA_KERNEL_LOOP(i, n) {
    const int64_t w = i % W, h = (i / W) % H, c = (i / (H * W)) % C, image = i / (C * H * W);
    const bool kept = h % p.stride == 0 && w % p.stride == 0;
    dx[i] = kept ? dy[((image * K + p.pad_front + c) * P + h / p.stride) * Q + w / p.stride] : 0.0f;
  }
}

Tensor subsample_pad_channels_forward_cuda(const Tensor& x, const Shape& y_shape, const SubsamplePad& p) {
  cuda::check_operand(x, "subsample_pad_channels", "x");
  Tensor y = Tensor::empty(y_shape, DType::kFloat32, x.device());
  cuda::launch_linear(subsample_pad_fwd_kernel, y.numel(), y.data<float>(), x.data<float>(), x.dim(1), x.dim(2),
                      x.dim(3), y_shape[1], y_shape[2], y_shape[3], p);
  return y;
}

Tensor subsample_pad_channels_backward_cuda(const Tensor& dy, const Shape& x_shape, Layout x_layout,
                                            const SubsamplePad& p) {
  cuda::check_operand(dy, "subsample_pad_channels backward", "dy");
  cuda::check_plain_layout(x_layout, "subsample_pad_channels backward");
  Tensor dx = Tensor::empty(x_shape, DType::kFloat32, dy.device());
  cuda::launch_linear(subsample_pad_bwd_kernel, dx.numel(), dx.data<float>(), dy.data<float>(), x_shape[1],
                      x_shape[2], x_shape[3], dy.dim(1), dy.dim(2), dy.dim(3), p);
  return dx;
}

}  // namespace revive::kernels
