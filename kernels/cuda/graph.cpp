// kernels/cuda_graph.h on the CUDA runtime's stream capture.
#include "kernels/cuda/runtime.h"
#include "kernels/cuda_graph.h"

namespace revive::kernels {

struct CudaGraph::Impl {
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  ~Impl() {
    if (exec != nullptr) REVIVE_CUDA_CHECK_PRINT(cudaGraphExecDestroy(exec));
    if (graph != nullptr) REVIVE_CUDA_CHECK_PRINT(cudaGraphDestroy(graph));
  }
};

namespace {

// Ends a capture that failed, drops what it recorded and clears the error it left.
void abandon_capture(cudaStream_t s) {
  cudaGraph_t partial = nullptr;
  (void)cuda::tolerate(cudaStreamEndCapture(s, &partial));
  if (partial != nullptr) (void)cuda::tolerate(cudaGraphDestroy(partial));
  (void)cudaGetLastError();
}

}  // namespace

CudaGraph::CudaGraph(const std::function<void()>& work) : impl_(std::make_unique<Impl>()) {
  cudaStream_t s = cuda::stream();
  // Thread-local mode: a call of this thread that capture cannot record (a synchronisation, a
  // cudaMalloc) fails at once, while the data loader's threads go on. The allocator serves only
  // cached blocks during the capture (allocator.cpp).
  const cuda::CaptureScope scope;
  REVIVE_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
  try {
    work();
  } catch (...) {
    abandon_capture(s);
    throw;
  }
  const cudaError_t ended = cuda::tolerate(cudaStreamEndCapture(s, &impl_->graph));
  if (ended != cudaSuccess) {
    abandon_capture(s);
    REVIVE_THROW("CUDA Graph capture failed (" << cudaGetErrorName(ended) << ": " << cudaGetErrorString(ended)
                                               << "): the captured work did something capture forbids, or used "
                                                  "another stream without joining it back");
  }
  REVIVE_CUDA_CHECK(cudaGraphInstantiate(&impl_->exec, impl_->graph, 0));
}

CudaGraph::~CudaGraph() = default;

void CudaGraph::replay() {
  cudaStream_t s = cuda::stream();
  REVIVE_CUDA_CHECK(cudaGraphLaunch(impl_->exec, s));
  REVIVE_CUDA_CHECK_LAUNCH_ON(s);
}

}  // namespace revive::kernels
