// sgd_update_cuda (kernels/sgd_update.h): the SGD step over the whole parameter arena in ONE launch
// (ARCHITECTURE.md decision 2), each element updated by sgd_update_element, the function the CPU
// loop runs, so both backends apply the same formula in the same float operations.
//
// Versions: one grid-stride kernel; the hyper-parameters travel by value in the launch, which
// also makes a captured step (kernels/cuda_graph.h) replay with the learning rate it was captured
// with; or the same kernel with the learning rate read from device memory, which a replay reads
// anew.
#include "kernels/cuda/launch.cuh"
#include "kernels/sgd_update.h"

namespace revive::kernels {

// lr: null (h.lr as given) or where the learning rate is.
static __global__ void sgd_update_kernel(int64_t n, float* param, float* momentum_buf, const float* dparam,
                                         SgdUpdateParams h, const float* lr) {
  if (lr != nullptr) h.lr = *lr;
  REVIVE_CUDA_KERNEL_LOOP(i, n) { sgd_update_element(param, momentum_buf, dparam, i, h); }
}

void sgd_update_cuda(float* param, float* momentum_buf, const float* dparam, int64_t n, const SgdUpdateParams& h) {
  cuda::launch_linear(sgd_update_kernel, n, param, momentum_buf, dparam, h, static_cast<const float*>(nullptr));
}

void sgd_update_cuda_lr_in_memory(float* param, float* momentum_buf, const float* dparam, int64_t n,
                                  const SgdUpdateParams& h, const float* lr) {
  cuda::launch_linear(sgd_update_kernel, n, param, momentum_buf, dparam, h, lr);
}

}  // namespace revive::kernels
