// The bias kernels of kernels/cuda/bias.h.
#include "kernels/cuda/bias.h"
#include "kernels/cuda/launch.cuh"

namespace revive::kernels::cuda {

static __global__ void bias_add_kernel(int64_t n, float* y, const float* b, int64_t K, int64_t inner) {
  REVIVE_CUDA_KERNEL_LOOP(i, n) { y[i] += b[(i / inner) % K]; }
}

static __global__ void bias_grad_kernel(float* db, const float* dy, int64_t N, int64_t K, int64_t inner) {
  __shared__ double scratch[32];
  const int64_t k = blockIdx.x, count = N * inner;
  double sum = 0.0;
  for (int64_t j = threadIdx.x; j < count; j += blockDim.x) sum += dy[((j / inner) * K + k) * inner + j % inner];
  sum = block_sum(sum, scratch);
  if (threadIdx.x == 0) db[k] += static_cast<float>(sum);
}

void bias_add(float* y, const float* b, int64_t N, int64_t K, int64_t inner) {
  launch_linear(bias_add_kernel, N * K * inner, y, b, K, inner);
}

void bias_grad_accumulate(float* db, const float* dy, int64_t N, int64_t K, int64_t inner) {
  if (K == 0) return;
  REVIVE_CHECK(K <= INT32_MAX, "bias gradient: " << K << " channels exceed one CUDA grid");
  bias_grad_kernel<<<static_cast<unsigned>(K), kBlock, 0, stream()>>>(db, dy, N, K, inner);
  REVIVE_CUDA_CHECK_LAUNCH();
}

}  // namespace revive::kernels::cuda
