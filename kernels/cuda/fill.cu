// cuda::fill (kernels/cuda/runtime.h), behind the device backend's Tensor::fill_ / zero_ for device
// tensors: every element set to value, converted to the tensor's dtype as the CPU loop in
// core/tensor.cpp converts it (static_cast). Zero bytes (+0.0f, and any value an integer dtype
// turns into 0) are a cudaMemsetAsync; other values, -0.0f included, one grid-stride kernel per
// dtype.
#include <cmath>

#include "kernels/cuda/launch.cuh"

namespace revive::kernels::cuda {

template <class T>
static __global__ void fill_kernel(int64_t n, T* p, T value) {
  REVIVE_CUDA_KERNEL_LOOP(i, n) { p[i] = value; }
}

template <class T>
static void launch_fill(Tensor& t, float value) {
  launch_linear(fill_kernel<T>, t.numel(), t.data<T>(), static_cast<T>(value));
}

bool kernels_run_here() {
  cudaFuncAttributes attributes{};
  const cudaError_t e = tolerate(cudaFuncGetAttributes(&attributes, fill_kernel<float>));
  if (e == cudaErrorInvalidDeviceFunction || e == cudaErrorNoKernelImageForDevice) return false;
  REVIVE_CUDA_CHECK(e);
  return true;
}

void fill(Tensor& t, float value) {
  check_operand(t, "fill", "tensor");
  // -0.0f compares equal to 0 but is not all-zero bytes in a float tensor.
  if (value == 0.0f && !(t.dtype() == DType::kFloat32 && std::signbit(value))) {
    REVIVE_CUDA_CHECK(cudaMemsetAsync(t.raw_data(), 0, t.nbytes(), stream()));
    return;
  }
  switch (t.dtype()) {
    case DType::kFloat32: launch_fill<float>(t, value); return;
    case DType::kInt32: launch_fill<int32_t>(t, value); return;
    case DType::kInt64: launch_fill<int64_t>(t, value); return;
  }
  REVIVE_THROW("fill: unsupported dtype " << dtype_name(t.dtype()));
}

}  // namespace revive::kernels::cuda
