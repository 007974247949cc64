// Device dispatch for the Tensor entry points of kernels/: each entry point validates its
// arguments, then runs the backend of its inputs' device, `<op>_cpu` (kernels/cpu) or `<op>_cuda`
// (kernels/cuda). This is the one place that knows whether the CUDA backend was built: without it
// the CUDA branch is not compiled in (so the `_cuda` functions, declared but not defined, are
// never referenced) and a CUDA tensor gets a clear error instead.
#pragma once

#include "core/device.h"
#include "core/error.h"

namespace revive::kernels {

template <class CpuFn, class CudaFn>
auto dispatch([[maybe_unused]] const char* op, Device device, CpuFn&& cpu, CudaFn&& cuda) -> decltype(cpu()) {
  if (device.is_cpu()) return cpu();
#ifdef REVIVE_WITH_CUDA
  return cuda();
#else
  (void)cuda;
  REVIVE_THROW(op << ": the input is on " << device.str() << " but this build of revive has no CUDA backend");
#endif
}

}  // namespace revive::kernels
