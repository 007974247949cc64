// Error checks for every CUDA runtime call (STYLE.md "Error handling"; tiny-cuda-nn's
// CUDA_CHECK_THROW); the cuDNN and cuBLAS ones are in kernels/cuda/libraries.h, which only the files
// calling those libraries include (their headers are slow to compile into every kernel). A failure
// throws revive::Error carrying file:line, the failed call and the runtime's own error string. The
// *_CHECK_PRINT forms log instead of throwing, for destructors.
//
// REVIVE_CUDA_CHECK_LAUNCH() follows every kernel launch: it reports launch errors (bad
// configuration, missing kernel image for this GPU) at once, and with REVIVE_SYNC_AFTER_LAUNCH=1 in
// the environment it also waits for the kernel, so that an asynchronous fault (an illegal address)
// is reported by the launch that caused it instead of by some later call. A launch on a stream other
// than the process's current one names it: REVIVE_CUDA_CHECK_LAUNCH_ON(stream).
//
// A call whose failure the caller handles (an optional query, an out-of-memory it recovers from)
// goes through tolerate(): the runtime keeps the last error of each thread until someone reads it,
// and the next launch check would otherwise report it as that kernel's failure.
#pragma once

#include <cuda_runtime_api.h>

namespace revive::kernels::cuda {

[[noreturn]] void throw_cuda_error(cudaError_t e, const char* call, const char* file, int line);
void print_cuda_error(cudaError_t e, const char* call, const char* file, int line);
void check_launch(const char* file, int line);
void check_launch(cudaStream_t stream, const char* file, int line);

// Returns e after clearing the thread's last error if e is one.
inline cudaError_t tolerate(cudaError_t e) {
  if (e != cudaSuccess) (void)cudaGetLastError();
  return e;
}

}  // namespace revive::kernels::cuda

// The check behind every *_CHECK macro here and in libraries.h: `report` (a throw_*_error or
// print_*_error function) receives any status of type Status other than `ok`.
#define REVIVE_CUDA_STATUS_CHECK_(call, Status, ok, report)                                           \
  do {                                                                                                 \
    const Status revive_status_ = (call);                                                              \
    if (revive_status_ != (ok)) report(revive_status_, #call, __FILE__, __LINE__);                     \
  } while (0)

#define REVIVE_CUDA_CHECK(call) \
  REVIVE_CUDA_STATUS_CHECK_(call, cudaError_t, cudaSuccess, ::revive::kernels::cuda::throw_cuda_error)
#define REVIVE_CUDA_CHECK_PRINT(call) \
  REVIVE_CUDA_STATUS_CHECK_(call, cudaError_t, cudaSuccess, ::revive::kernels::cuda::print_cuda_error)

#define REVIVE_CUDA_CHECK_LAUNCH() ::revive::kernels::cuda::check_launch(__FILE__, __LINE__)
#define REVIVE_CUDA_CHECK_LAUNCH_ON(stream) ::revive::kernels::cuda::check_launch((stream), __FILE__, __LINE__)
