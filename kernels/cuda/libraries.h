// The cuDNN and cuBLAS side of the CUDA backend: error checks for every call into them (as
// kernels/cuda/check.h for the runtime) and this thread's handles, bound to the process-wide
// stream (runtime.h): cuBLAS with a workspace of its own from the caching allocator, so that
// captured GEMMs allocate nothing. Neither library allows concurrent use of one handle, hence one
// per thread.
#pragma once

#include <cublas_v2.h>
#include <cudnn.h>

#include "kernels/cuda/check.h"

namespace revive::kernels::cuda {

[[noreturn]] void throw_cudnn_error(cudnnStatus_t s, const char* call, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t s, const char* call, const char* file, int line);
void print_cudnn_error(cudnnStatus_t s, const char* call, const char* file, int line);
void print_cublas_error(cublasStatus_t s, const char* call, const char* file, int line);

cudnnHandle_t cudnn();
cublasHandle_t cublas();

}  // namespace revive::kernels::cuda

#define REVIVE_CUDNN_CHECK(call) \
  REVIVE_CUDA_STATUS_CHECK_(call, cudnnStatus_t, CUDNN_STATUS_SUCCESS, ::revive::kernels::cuda::throw_cudnn_error)
#define REVIVE_CUBLAS_CHECK(call) \
  REVIVE_CUDA_STATUS_CHECK_(call, cublasStatus_t, CUBLAS_STATUS_SUCCESS, ::revive::kernels::cuda::throw_cublas_error)
#define REVIVE_CUDNN_CHECK_PRINT(call) \
  REVIVE_CUDA_STATUS_CHECK_(call, cudnnStatus_t, CUDNN_STATUS_SUCCESS, ::revive::kernels::cuda::print_cudnn_error)
#define REVIVE_CUBLAS_CHECK_PRINT(call) \
  REVIVE_CUDA_STATUS_CHECK_(call, cublasStatus_t, CUBLAS_STATUS_SUCCESS, ::revive::kernels::cuda::print_cublas_error)
