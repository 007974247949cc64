// The bias kernels of kernels/cuda/bias.h. Both split flat indices into (n, k, i) in 32 bits when
// the tensor allows (launch.cuh with_index_type).
#include "kernels/cuda/bias.h"
#include "kernels/cuda/launch.cuh"

namespace revive::kernels::cuda {

template <class I>
static __global__ void bias_add_kernel(int64_t n, float* y, const float* b, I K, I inner) {
  REVIVE_CUDA_KERNEL_LOOP_T(I, i, static_cast<I>(n)) { y[i] += b[(i / inner) % K]; }
}

template <class I>
static __global__ void bias_grad_kernel(float* db, const float* dy, I N, I K, I inner) {
  __shared__ double scratch[32];
  const I k = blockIdx.x, count = N * inner;
  double sum = 0.0;
  for (I j = threadIdx.x; j < count; j += blockDim.x) sum += dy[((j / inner) * K + k) * inner + j % inner];
  sum = block_sum(sum, scratch);
  if (threadIdx.x == 0) db[k] += static_cast<float>(sum);
}

void bias_add(float* y, const float* b, int64_t N, int64_t K, int64_t inner) {
  with_index_type(N * K * inner, [&](auto index) {
    using I = decltype(index);
    launch_linear(bias_add_kernel<I>, N * K * inner, y, b, static_cast<I>(K), static_cast<I>(inner));
  });
}

void bias_grad_accumulate(float* db, const float* dy, int64_t N, int64_t K, int64_t inner) {
  if (K == 0) return;
  REVIVE_CHECK(K <= INT32_MAX, "bias gradient: " << K << " channels exceed one CUDA grid");
  with_index_type(N * K * inner, [&](auto index) {
    using I = decltype(index);
    bias_grad_kernel<I><<<static_cast<unsigned>(K), kBlock, 0, stream()>>>(db, dy, static_cast<I>(N),
                                                                           static_cast<I>(K), static_cast<I>(inner));
  });
  REVIVE_CUDA_CHECK_LAUNCH();
}

}  // namespace revive::kernels::cuda
