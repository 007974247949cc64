// add_forward_cuda (kernels/add.h): y = a + b (or relu(a + b)) over plain float32 buffers, and the
// gradient accumulation dst += src registered with autograd (core/autograd.h), the same kernel
// with y = a.
//
// Versions: one grid-stride kernel, templated on the fused rectifier; add_value and relu_value are
// the per-element math the CPU loop shares.
#include "kernels/add.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/relu.h"

namespace revive::kernels {

template <bool Relu>
static __global__ void add_fwd_kernel(int64_t n, float* y, const float* a, const float* b) {
  REVIVE_CUDA_KERNEL_LOOP(i, n) { y[i] = Relu ? relu_value(add_value(a[i], b[i])) : add_value(a[i], b[i]); }
}

static void launch_add_fwd(float* y, const float* a, const float* b, int64_t n, bool relu) {
  if (relu) {
    cuda::launch_linear(add_fwd_kernel<true>, n, y, a, b);
  } else {
    cuda::launch_linear(add_fwd_kernel<false>, n, y, a, b);
  }
}

Tensor add_forward_cuda(const Tensor& a, const Tensor& b, bool relu) {
  cuda::check_operand(a, "add", "a");
  cuda::check_operand(b, "add", "b");
  Tensor y = Tensor::empty(a.shape(), DType::kFloat32, a.device());
  launch_add_fwd(y.data<float>(), a.data<float>(), b.data<float>(), a.numel(), relu);
  return y;
}

namespace cuda {

void accumulate(Tensor& dst, const Tensor& src) {
  check_operand(dst, "gradient accumulation", "dst");
  check_operand(src, "gradient accumulation", "src");
  launch_add_fwd(dst.data<float>(), dst.data<float>(), src.data<float>(), dst.numel(), false);
}

}  // namespace cuda
}  // namespace revive::kernels
