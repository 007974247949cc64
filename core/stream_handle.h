// A device stream as code without CUDA headers carries it (tools/, optim/, the reactivation
// methods' host code, the headers of their CUDA entry points): the backend's native handle, opaque.
// The CUDA backend stores a cudaStream_t here (kernels/cuda/runtime.h converts both ways); a null
// handle stands for "the current stream of the device" (kernels/device_runtime.h current_stream).
#pragma once

namespace revive {

struct StreamHandle {
  void* native = nullptr;
};

}  // namespace revive
