// Capture and replay of a sequence of device work as one CUDA Graph. For CNNs as small as the CIFAR
// ResNets a training step is bounded by launch latency (hundreds of small kernels), so replaying a
// captured step, one launch for all of them, is where the GPU speed comes from (the training
// benchmark's --cuda-graph).
//
// What capture needs from the captured code, and what revive's ops provide: no host
// synchronisation (no item(), no to(cpu), no device-to-host copy); no cudaMalloc or cudaFree (the
// caching allocator serves only blocks it holds free during a capture and throws, saying to warm
// up, on a miss: run the work once or twice before capturing); cuDNN algorithm choices already
// cached for every shape (the same warm-up run); all work on the process device's stream. Host
// values baked into the graph (kernel arguments such as the learning rate) replay as captured.
// optim/graph_step.h wraps warm-up, capture, replay and the fallback to eager steps.
//
// Addresses are baked in too: blocks the captured work allocated and freed go back to the caching
// allocator, and a replay writes them again. Between replays the host must not allocate device
// memory whose contents must survive a replay; tensors that outlive a step (parameters, inputs,
// outputs read later) are allocated before capture.
#pragma once

#include <functional>
#include <memory>

namespace revive::kernels {

class CudaGraph {
 public:
  // Runs `work` once under stream capture (its device work is recorded, not executed) and
  // instantiates the graph. Throws revive::Error when the build has no CUDA backend or the work
  // does something capture forbids; the stream is then usable again and nothing was recorded.
  explicit CudaGraph(const std::function<void()>& work);
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  // Queues one execution of the captured work on the process device's current stream (returns at once).
  void replay();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace revive::kernels
