// The device runtime seen from code that must not depend on CUDA headers (optim/, tools/,
// benchmarks/, tests): choosing and checking a device, waiting for it, describing the build, and
// the CUDA options that change results (deterministic algorithms, TF32).
//
// Defined by kernels/cuda/runtime.cpp when the CUDA backend is built and by
// kernels/no_cuda/runtime.cpp otherwise (CMake picks one; cmake/cuda.cmake).
//
// revive drives one CUDA device per process (the first one used, or the one use_device picks).
// Each device has one stream, its current stream, which all of the process's work goes to unless
// a caller passes another (the reactivation methods' CUDA entry points take one): kernels, copies
// and cuDNN/cuBLAS calls run in the order they were issued, and nothing synchronises with the
// legacy default stream.
#pragma once

#include <string>
#include <vector>

#include "core/device.h"
#include "core/stream_handle.h"

namespace revive::kernels {

// Checks that `d` can run work and makes it the process's device: for CUDA, that the backend is
// built, a device is present and d.index names one. Throws revive::Error saying which is missing.
void use_device(Device d);

// How many CUDA devices the process sees (0 without the backend or a driver).
int cuda_device_count();

// "cuda" when the backend is built and a device is present, else "cpu": the CLI's default.
std::string default_device_name();

// Blocks until every operation queued on `d`'s current stream has finished (nothing to wait for on
// the CPU).
void synchronize(Device d);

// The current stream of `d`, for the CUDA entry points that take one (a null handle on the CPU).
StreamHandle current_stream(Device d);

// What `revive info` prints about CUDA: runtime and driver versions, cuDNN and cuBLAS versions
// and the devices found ("no CUDA device" and the reason when there is none), one line each; or
// why there is no CUDA backend in this build.
std::vector<std::string> cuda_report();

struct CudaOptions {
  // Convolution algorithms restricted to deterministic ones (ARCHITECTURE.md decision 6): the same
  // inputs give bit-identical gradients run after run.
  bool deterministic = false;
  // TF32 tensor cores for float32 convolutions and matrix products (Ampere and newer): faster, but
  // products are rounded to 10 mantissa bits, so results leave the CPU path's tolerances. Off by
  // default for that reason; PyTorch enables it for cuDNN convolutions.
  bool allow_tf32 = false;
  // cuDNN algorithms chosen by timing every candidate once per shape (cudnnFind) rather than by
  // cuDNN's heuristics. The timing runs on the first step of each shape.
  bool benchmark_algorithms = false;
};
// Takes effect from the next call of an op (algorithm choices are cached per shape and options).
void set_cuda_options(const CudaOptions& options);
CudaOptions cuda_options();

}  // namespace revive::kernels
