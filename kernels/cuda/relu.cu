// rectifier_forward_cuda / rectifier_backward_cuda (kernels/relu.h): relu and relu6 and their
// masks over plain float32 buffers.
//
// Versions: one grid-stride kernel per direction, templated on the rectifier so each compiles to
// a branch-free loop; the per-element math is relu_value / relu_grad / relu6_value / relu6_grad,
// shared with the CPU loops.
#include "kernels/cuda/launch.cuh"
#include "kernels/relu.h"

namespace revive::kernels {

template <Rectifier R>
static __global__ void rectifier_fwd_kernel(int64_t n, float* y, const float* x) {
  REVIVE_CUDA_KERNEL_LOOP(i, n) { y[i] = R == Rectifier::kRelu ? relu_value(x[i]) : relu6_value(x[i]); }
}

template <Rectifier R>
static __global__ void rectifier_bwd_kernel(int64_t n, float* dx, const float* dy, const float* y) {
  REVIVE_CUDA_KERNEL_LOOP(i, n) { dx[i] = R == Rectifier::kRelu ? relu_grad(dy[i], y[i]) : relu6_grad(dy[i], y[i]); }
}

static void launch_rectifier_fwd(float* y, const float* x, int64_t n, Rectifier r) {
  if (r == Rectifier::kRelu) {
    cuda::launch_linear(rectifier_fwd_kernel<Rectifier::kRelu>, n, y, x);
  } else {
    cuda::launch_linear(rectifier_fwd_kernel<Rectifier::kRelu6>, n, y, x);
  }
}

static void launch_rectifier_bwd(float* dx, const float* dy, const float* y, int64_t n, Rectifier r) {
  if (r == Rectifier::kRelu) {
    cuda::launch_linear(rectifier_bwd_kernel<Rectifier::kRelu>, n, dx, dy, y);
  } else {
    cuda::launch_linear(rectifier_bwd_kernel<Rectifier::kRelu6>, n, dx, dy, y);
  }
}

Tensor rectifier_forward_cuda(const Tensor& x, Rectifier r) {
  cuda::check_operand(x, "rectifier", "x");
  Tensor y = Tensor::empty(x.shape(), DType::kFloat32, x.device());
  launch_rectifier_fwd(y.data<float>(), x.data<float>(), x.numel(), r);
  return y;
}

Tensor rectifier_backward_cuda(const Tensor& dy, const Tensor& y, Rectifier r) {
  cuda::check_operand(dy, "rectifier backward", "dy");
  cuda::check_operand(y, "rectifier backward", "y");
  Tensor dx = Tensor::empty(y.shape(), DType::kFloat32, y.device());
  launch_rectifier_bwd(dx.data<float>(), dy.data<float>(), y.data<float>(), y.numel(), r);
  return dx;
}

}  // namespace revive::kernels
