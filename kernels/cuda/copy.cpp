// Copies between the host and the device, registered with core (Tensor::to, copy_from, item,
// to_vector). All go through the process-wide stream, so they are ordered with the kernels:
//  - device to device: queued, the host does not wait;
//  - device to host: the host waits for the data (the caller reads it next);
//  - host to device: from pageable memory (every host tensor), cudaMemcpyAsync returns once the
//    source has been staged, so the caller may free or reuse it at once. Batches go through the
//    pinned, truly asynchronous path of kernels/batch_upload.h instead.
#include "kernels/cuda/runtime.h"

namespace revive::kernels::cuda {

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) {
  const cudaMemcpyKind kind = dst_device.is_cuda() ? (src_device.is_cuda() ? cudaMemcpyDeviceToDevice
                                                                            : cudaMemcpyHostToDevice)
                                                   : cudaMemcpyDeviceToHost;
  REVIVE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind, stream()));
  if (kind == cudaMemcpyDeviceToHost) REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

}  // namespace revive::kernels::cuda
