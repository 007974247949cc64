// global_avg_pool_forward_cuda / _backward_cuda (kernels/global_avg_pool.h) on plain NCHW buffers.
//
// Versions:
//  - forward: one warp per (n, c) plane; each lane sums a strided share of the HW values, then a
//    shuffle reduction (fixed order: deterministic, but not the CPU's serial order).
//  - backward: one grid-stride kernel, dx[n, c, h, w] = dy[n, c] / (H W).
#include <algorithm>

#include "kernels/cuda/launch.cuh"
#include "kernels/global_avg_pool.h"

namespace revive::kernels {

static __global__ void global_avg_pool_fwd_kernel(int64_t n_planes, float* y, const float* x, int64_t HW,
                                                  float scale) {
  const int lane = threadIdx.x % 32;
  const int64_t warps_per_grid = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t plane = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32; plane < n_planes;
       plane += warps_per_grid) {
    const float* xp = x + plane * HW;
    float sum = 0.0f;
    for (int64_t i = lane; i < HW; i += 32) sum += xp[i];
    for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_down_sync(0xffffffffu, sum, offset);
    if (lane == 0) y[plane] = sum * scale;
  }
}

static __global__ void global_avg_pool_bwd_kernel(int64_t n, float* dx, const float* dy, int64_t HW, float scale) {
  REVIVE_CUDA_KERNEL_LOOP(i, n) { dx[i] = dy[i / HW] * scale; }
}

static void launch_global_avg_pool_fwd(float* y, const float* x, int64_t n_planes, int64_t HW) {
  if (n_planes == 0) return;
  constexpr int64_t kWarpsPerBlock = cuda::kBlock / 32;
  const int64_t blocks = std::min((n_planes + kWarpsPerBlock - 1) / kWarpsPerBlock, cuda::kMaxBlocks);
  global_avg_pool_fwd_kernel<<<static_cast<unsigned>(blocks), cuda::kBlock, 0, cuda::stream()>>>(
      n_planes, y, x, HW, 1.0f / static_cast<float>(HW));
  REVIVE_CUDA_CHECK_LAUNCH();
}

Tensor global_avg_pool_forward_cuda(const Tensor& x) {
  cuda::check_operand(x, "global_avg_pool", "x");
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
  Tensor y = Tensor::empty({N, C}, DType::kFloat32, x.device());
  launch_global_avg_pool_fwd(y.data<float>(), x.data<float>(), N * C, HW);
  return y;
}

Tensor global_avg_pool_backward_cuda(const Tensor& dy, const Shape& x_shape, Layout x_layout) {
  cuda::check_operand(dy, "global_avg_pool backward", "dy");
  cuda::check_plain_layout(x_layout, "global_avg_pool backward");
  const int64_t HW = x_shape[2] * x_shape[3];
  Tensor dx = Tensor::empty(x_shape, DType::kFloat32, dy.device());
  cuda::launch_linear(global_avg_pool_bwd_kernel, dx.numel(), dx.data<float>(), dy.data<float>(), HW,
                      1.0f / static_cast<float>(HW));
  return dx;
}

}  // namespace revive::kernels
