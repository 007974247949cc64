// Copies between the host and the device, behind the device backend registered with core
// (Tensor::to, copy_from, item, to_vector). All go through the process device's stream, so they
// are ordered with the kernels:
//  - device to device: queued, the host does not wait;
//  - device to host: the host waits for the data (the caller reads it next);
//  - host to device: the host waits too, so the caller may free or rewrite its buffer at once
//    (host tensors live in pageable memory from the CPU caching allocator). These copies are for
//    set-up, checkpoints and tests; batches take the pinned, asynchronous path of
//    kernels/batch_upload.h, and nothing inside a training step copies from the host.
#include "kernels/cuda/runtime.h"

namespace revive::kernels::cuda {

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) {
  const bool from_device = src_device.is_cuda(), to_device = dst_device.is_cuda();
  const cudaMemcpyKind kind = to_device ? (from_device ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                                        : cudaMemcpyDeviceToHost;
  REVIVE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind, stream()));
  if (kind != cudaMemcpyDeviceToDevice) REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

}  // namespace revive::kernels::cuda
