// The CUDA backend's process-wide state, for the files of kernels/cuda and the reactivation
// methods' CUDA code: the devices, one Stream per device, the process's device and its current
// stream, the caching device allocator, the device backend registered with core
// (core/device_backend.h), and the bookkeeping of CUDA Graph captures. The cuDNN and cuBLAS handles
// are in libraries.h.
//
// Initialisation is explicit: cuda_available() (core/device.h) or use_device()
// (kernels/device_runtime.h) registers the backend with core on first call. Everything is static
// libraries, so a self-registering global object in a file nothing references would be dropped by
// the linker; a call from the code that needs the device cannot be.
#pragma once

#include <cuda_runtime_api.h>

#include "core/allocator.h"
#include "core/device_backend.h"
#include "core/stream_handle.h"
#include "core/tensor.h"
#include "kernels/cuda/check.h"
#include "kernels/device_runtime.h"
#include "kernels/label_check.h"

namespace revive::kernels::cuda {

// Registers the backend with core and counts the devices; idempotent and thread-safe.
void ensure_initialized();
int device_count();

// One device's stream, non-blocking (no implicit synchronisation with the legacy default stream).
// Created by device_stream() on first use and never destroyed: tensors freed by static destructors
// still queue work on it.
class Stream {
 public:
  Stream(int device, cudaStream_t stream) : device_(device), stream_(stream) {}
  int device() const { return device_; }
  cudaStream_t get() const { return stream_; }
  StreamHandle handle() const { return StreamHandle{static_cast<void*>(stream_)}; }
  // Whether the stream is being captured into a CUDA Graph (synchronising is then forbidden).
  bool capturing() const;
  void synchronize() const;

 private:
  int device_;
  cudaStream_t stream_;
};

// The stream of cuda:`device`, created on first use. Binds the calling thread to that device.
const Stream& device_stream(int device);

// The device this process computes on: cuda:0 until use_device() picks another (revive drives one
// CUDA device per process; ARCHITECTURE.md).
int process_device();

// The current stream of the process's device, which every kernel of kernels/cuda launches on and
// every cuDNN and cuBLAS handle is bound to; code that takes a stream argument defaults to it.
// Binds the calling thread to the device.
cudaStream_t stream();

// The stream a handle names; a null handle is stream().
inline cudaStream_t native(StreamHandle h) {
  return h.native != nullptr ? static_cast<cudaStream_t>(h.native) : stream();
}

// The device record of the first label out of range (label_check.h), allocated with the process
// device's stream so that a step captured into a CUDA Graph allocates nothing for it.
BadLabel* bad_label_record();
// Whether stream() is being captured into a CUDA Graph.
bool capturing();
// RuntimeOptions::sync_after_launch (REVIVE_SYNC_AFTER_LAUNCH=1 at start-up).
bool sync_after_launch();

// Marks a CUDA Graph capture in progress for its lifetime (graph.cpp holds one while it captures).
// While any is alive the caching device allocator hands out cached blocks only and frees none: a
// cudaMalloc or cudaFree in the middle of a capture would end it (allocator.cpp).
class CaptureScope {
 public:
  CaptureScope();
  ~CaptureScope();
  CaptureScope(const CaptureScope&) = delete;
  CaptureScope& operator=(const CaptureScope&) = delete;
};
bool capture_in_progress();

// The caching device allocator (allocator.cpp); core's allocator_for(cuda) returns it.
Allocator& device_allocator();

// Whether this build holds machine code or PTX the calling thread's current device can run
// (fill.cu asks about one of its kernels: all are compiled for the same architectures).
bool kernels_run_here();

// The implementations behind the device backend registered with core (backend.cpp).
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);  // copy.cpp
void fill(Tensor& t, float value);                                                               // fill.cu
void accumulate(Tensor& dst, const Tensor& src);                                                 // add.cu
DeviceBackend& backend();                                                                        // backend.cpp

// Operand check shared by the CUDA entry points: a defined, plain tensor on the process's device.
// (Entry points in kernels/<op>.cpp already checked dtype and shapes.)
void check_operand(const Tensor& t, const char* op, const char* arg);

// The layout a CPU-side caller recorded for a CUDA tensor (a backward's x_layout) must be plain.
void check_plain_layout(Layout layout, const char* op);

// A size for cuDNN or cuBLAS, which take int: throws above 2^31 - 1.
int checked_int(int64_t n, const char* op);

}  // namespace revive::kernels::cuda
