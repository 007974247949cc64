// counter_increment_cuda (kernels/counter.h): count[0] += 1 in one single-thread kernel.
#include "kernels/counter.h"
#include "kernels/cuda/launch.cuh"

namespace revive::kernels {

static __global__ void counter_increment_kernel(int64_t n, int64_t* count) {
  REVIVE_CUDA_KERNEL_LOOP(i, n) { count[i] += 1; }
}

void counter_increment_cuda(Tensor& count) {
  cuda::check_operand(count, "counter_increment", "count");
  cuda::launch_linear(counter_increment_kernel, 1, count.data<int64_t>());
}

}  // namespace revive::kernels
