// add_forward_cuda (kernels/add.h): y = a + b over plain float32 buffers, and the gradient
// accumulation dst += src registered with autograd (core/autograd.h), the same kernel with y = a.
//
// Versions: one grid-stride kernel; add_value (kernels/add.h) is the per-element math the CPU
// loop shares.
#include "kernels/add.h"
#include "kernels/cuda/launch.cuh"

namespace revive::kernels {

static __global__ void add_fwd_kernel(int64_t n, float* y, const float* a, const float* b) {
  REVIVE_CUDA_KERNEL_LOOP(i, n) { y[i] = add_value(a[i], b[i]); }
}

static void launch_add_fwd(float* y, const float* a, const float* b, int64_t n) {
  cuda::launch_linear(add_fwd_kernel, n, y, a, b);
}

Tensor add_forward_cuda(const Tensor& a, const Tensor& b) {
  cuda::check_operand(a, "add", "a");
  cuda::check_operand(b, "add", "b");
  Tensor y = Tensor::empty(a.shape(), DType::kFloat32, a.device());
  launch_add_fwd(y.data<float>(), a.data<float>(), b.data<float>(), a.numel());
  return y;
}

namespace cuda {

void accumulate(Tensor& dst, const Tensor& src) {
  check_operand(dst, "gradient accumulation", "dst");
  check_operand(src, "gradient accumulation", "src");
  launch_add_fwd(dst.data<float>(), dst.data<float>(), src.data<float>(), dst.numel());
}

}  // namespace cuda
}  // namespace revive::kernels
