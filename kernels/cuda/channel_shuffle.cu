// channel_shuffle_cuda (kernels/channel_shuffle.h) on plain buffers: y = x with channel c moved to
// channel_shuffle_target(c), the index map the CPU loop uses.
//
// Versions: one grid-stride kernel, a thread per source element (reads coalesced; writes
// contiguous within each run of `inner` values).
#include "kernels/channel_shuffle.h"
#include "kernels/cuda/launch.cuh"

namespace revive::kernels {

static __global__ void channel_shuffle_kernel(int64_t n, float* y, const float* x, int64_t C, int64_t inner,
                                              int64_t groups) {
  REVIVE_CUDA_KERNEL_LOOP(i, n) {
    const int64_t t = i % inner, c = (i / inner) % C, image = i / (inner * C);
    y[(image * C + channel_shuffle_target(c, groups, C / groups)) * inner + t] = x[i];
  }
}

Tensor channel_shuffle_cuda(const Tensor& x, int64_t groups) {
  cuda::check_operand(x, "channel_shuffle", "x");
  int64_t inner = 1;
  for (int i = 2; i < x.ndim(); ++i) inner *= x.dim(i);
  Tensor y = Tensor::empty(x.shape(), DType::kFloat32, x.device());
  cuda::launch_linear(channel_shuffle_kernel, x.numel(), y.data<float>(), x.data<float>(), x.dim(1), inner, groups);
  return y;
}

}  // namespace revive::kernels
