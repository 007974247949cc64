// The CUDA backend's process-wide state, for the files of kernels/cuda: the device, the stream all
// work goes to, the caching device allocator, and the functions registered with core (device
// copies, fills, gradient accumulation). The cuDNN and cuBLAS handles are in libraries.h.
//
// Initialisation is explicit: cuda_available() (core/device.h) or use_device()
// (kernels/device_runtime.h) registers the backend with core on first call. Everything is static
// libraries, so a self-registering global object in a file nothing references would be dropped by
// the linker; a call from the code that needs the device cannot be.
#pragma once

#include <cuda_runtime_api.h>

#include "core/allocator.h"
#include "core/tensor.h"
#include "kernels/cuda/check.h"
#include "kernels/device_runtime.h"
#include "kernels/label_check.h"

namespace revive::kernels::cuda {

// Registers the backend with core and counts the devices; idempotent and thread-safe.
void ensure_initialized();
int device_count();

// The process-wide stream (non-blocking: no implicit synchronisation with the legacy default
// stream), created on first use on the process's device, which it also makes the calling thread's
// current device.
cudaStream_t stream();
// The device record of the first label out of range (label_check.h), allocated with the stream so
// that a step captured into a CUDA Graph allocates nothing for it.
BadLabel* bad_label_record();
// Whether stream() is being captured into a CUDA Graph (synchronising is then forbidden).
bool capturing();
// RuntimeOptions::sync_after_launch (REVIVE_SYNC_AFTER_LAUNCH=1 at start-up).
bool sync_after_launch();

// The caching device allocator (allocator.cpp); core's allocator_for(cuda) returns it.
Allocator& device_allocator();

// Whether this build holds machine code or PTX the calling thread's current device can run
// (fill.cu asks about one of its kernels: all are compiled for the same architectures).
bool kernels_run_here();

// Implementations registered with core.
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);  // copy.cpp
void fill(Tensor& t, float value);                                                               // fill.cu
void accumulate(Tensor& dst, const Tensor& src);                                                 // add.cu

// Operand check shared by the CUDA entry points: a defined, plain tensor on the process's device.
// (Entry points in kernels/<op>.cpp already checked dtype and shapes.)
void check_operand(const Tensor& t, const char* op, const char* arg);

// The layout a CPU-side caller recorded for a CUDA tensor (a backward's x_layout) must be plain.
void check_plain_layout(Layout layout, const char* op);

// A size for cuDNN or cuBLAS, which take int: throws above 2^31 - 1.
int checked_int(int64_t n, const char* op);

}  // namespace revive::kernels::cuda
