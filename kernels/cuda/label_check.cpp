// take_bad_label_cuda (kernels/label_check.h): the record written by the softmax cross-entropy
// forward, read back on the stream after the work queued before it, then cleared.
#include "kernels/cuda/runtime.h"

namespace revive::kernels {

std::optional<BadLabel> take_bad_label_cuda() {
  BadLabel* record = cuda::bad_label_record();
  BadLabel host;
  REVIVE_CUDA_CHECK(cudaMemcpyAsync(&host, record, sizeof host, cudaMemcpyDeviceToHost, cuda::stream()));
  REVIVE_CUDA_CHECK(cudaStreamSynchronize(cuda::stream()));
  if (host.index < 0) return std::nullopt;
  REVIVE_CUDA_CHECK(cudaMemsetAsync(record, 0xff, sizeof(BadLabel), cuda::stream()));
  return host;
}

}  // namespace revive::kernels
