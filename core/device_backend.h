// The one interface through which core reaches a device backend. core owns storage, tensors and
// autograd but cannot depend on CUDA; what it needs from a device (its allocator, copies to and from
// it, fills, gradient accumulation, waiting for it) is this class, which the CUDA backend implements
// (kernels/cuda/backend.cpp) and registers once, when it initialises (cuda_available() or
// kernels::use_device(), core/device.h). A CPU-only build registers nothing, and every call for a
// device then fails with a message saying the build has no backend for it.
#pragma once

#include <cstddef>

#include "core/device.h"
#include "core/stream_handle.h"

namespace revive {

class Allocator;
class Tensor;

class DeviceBackend {
 public:
  virtual ~DeviceBackend() = default;

  // The process-wide caching allocator of the backend's devices.
  virtual Allocator& allocator() = 0;
  // Copies `bytes` between the host and a device or between device buffers, ordered with the
  // device's work on its current stream. Copies to the host return once the data is there, copies
  // from the host once the host buffer may be reused; device-to-device copies are only queued.
  virtual void copy(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) = 0;
  // Sets every element of the device tensor `t` to `value` (converted as a static_cast converts
  // it; -0.0f stays negative), queued on the device's current stream.
  virtual void fill(Tensor& t, float value) = 0;
  // dst += src element-wise (same shape, dtype and device), queued on the current stream.
  virtual void accumulate(Tensor& dst, const Tensor& src) = 0;
  // The current stream of device `d` (the one all its work goes to unless a caller passes another).
  virtual StreamHandle current_stream(Device d) = 0;
  // Blocks until the work queued on `d`'s current stream has finished.
  virtual void synchronize(Device d) = 0;
};

// Registers the backend (not owned; it must outlive every tensor on its devices). Idempotent for
// the same backend; a second, different one is an error.
void register_device_backend(DeviceBackend* backend);

// The backend that serves device `d` (not the CPU). Throws revive::Error saying that `what` needs a
// device backend this build or process lacks.
DeviceBackend& device_backend(Device d, const char* what);

}  // namespace revive
