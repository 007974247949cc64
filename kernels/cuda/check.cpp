// The error reports of kernels/cuda/check.h and libraries.h: a revive::Error (or a warning on
// stderr, for destructors) naming the library, its error code and text, and the failed call.
#include <cstdio>
#include <sstream>
#include <string>

#include "core/error.h"
#include "kernels/cuda/libraries.h"
#include "kernels/cuda/runtime.h"

namespace revive::kernels::cuda {
namespace {

std::string message(const char* lib, const char* code, const char* text, const char* call) {
  std::ostringstream os;
  os << lib << " error " << code << " (" << text << ") in " << call;
  return os.str();
}

std::string cuda_message(cudaError_t e, const char* call) {
  return message("CUDA", cudaGetErrorName(e), cudaGetErrorString(e), call);
}
std::string cudnn_message(cudnnStatus_t s, const char* call) {
  return message("cuDNN", std::to_string(static_cast<int>(s)).c_str(), cudnnGetErrorString(s), call);
}
std::string cublas_message(cublasStatus_t s, const char* call) {
  return message("cuBLAS", cublasGetStatusName(s), cublasGetStatusString(s), call);
}

void warn(const std::string& text, const char* file, int line) {
  std::fprintf(stderr, "revive: warning: %s [%s:%d]\n", text.c_str(), file, line);
}

}  // namespace

void throw_cuda_error(cudaError_t e, const char* call, const char* file, int line) {
  ::revive::detail::throw_error(file, line, nullptr, cuda_message(e, call));
}
void throw_cudnn_error(cudnnStatus_t s, const char* call, const char* file, int line) {
  ::revive::detail::throw_error(file, line, nullptr, cudnn_message(s, call));
}
void throw_cublas_error(cublasStatus_t s, const char* call, const char* file, int line) {
  ::revive::detail::throw_error(file, line, nullptr, cublas_message(s, call));
}

void print_cuda_error(cudaError_t e, const char* call, const char* file, int line) {
  warn(cuda_message(e, call), file, line);
}
void print_cudnn_error(cudnnStatus_t s, const char* call, const char* file, int line) {
  warn(cudnn_message(s, call), file, line);
}
void print_cublas_error(cublasStatus_t s, const char* call, const char* file, int line) {
  warn(cublas_message(s, call), file, line);
}

void check_launch(const char* file, int line) { check_launch(stream(), file, line); }

void check_launch(cudaStream_t s, const char* file, int line) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) throw_cuda_error(e, "kernel launch", file, line);
  if (!sync_after_launch()) return;
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  REVIVE_CUDA_CHECK(cudaStreamIsCapturing(s, &status));
  if (status != cudaStreamCaptureStatusNone) return;
  const cudaError_t run = cudaStreamSynchronize(s);
  if (run != cudaSuccess) throw_cuda_error(run, "kernel run (REVIVE_SYNC_AFTER_LAUNCH=1)", file, line);
}

}  // namespace revive::kernels::cuda
