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

CudaGraph::CudaGraph(const std::function<void()>& work) : impl_(std::make_unique<Impl>()) {
  cudaStream_t s = cuda::stream();
  // Relaxed: a cache miss of the allocator (cudaMalloc) is allowed rather than fatal; the captured
  // work itself must still not synchronise.
  REVIVE_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeRelaxed));
  try {
    work();
  } catch (...) {
    cudaGraph_t partial = nullptr;
    (void)cudaStreamEndCapture(s, &partial);
    if (partial != nullptr) (void)cudaGraphDestroy(partial);
    (void)cudaGetLastError();
    throw;
  }
  REVIVE_CUDA_CHECK(cudaStreamEndCapture(s, &impl_->graph));
  REVIVE_CUDA_CHECK(cudaGraphInstantiate(&impl_->exec, impl_->graph, 0));
}

CudaGraph::~CudaGraph() = default;

void CudaGraph::replay() { REVIVE_CUDA_CHECK(cudaGraphLaunch(impl_->exec, cuda::stream())); }

}  // namespace revive::kernels
