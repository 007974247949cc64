#include "optim/graph_step.h"

#include "core/error.h"
#include "kernels/cuda_graph.h"

namespace revive::optim {

const char* step_route_name(StepRoute route) {
  switch (route) {
    case StepRoute::kEager: return "eager";
    case StepRoute::kCaptured: return "captured";
    case StepRoute::kReplayed: return "replayed";
  }
  return "unknown";
}

GraphStep::GraphStep(Device device, GraphStepOptions options) : device_(device), options_(options) {
  REVIVE_CHECK(options_.warmup >= 1, "GraphStep: at least one warm-up step before the capture, got "
                                         << options_.warmup);
}

GraphStep::~GraphStep() = default;

StepRoute GraphStep::run(const std::vector<int64_t>& key, const std::function<void()>& step) {
  if (!have_key_) {
    key_ = key;
    have_key_ = true;
  }
  const bool graphable = device_.is_cuda() && options_.enabled && capture_error_.empty() && key == key_;
  if (graphable && graph_) {
    graph_->replay();
    ++replayed_steps_;
    return StepRoute::kReplayed;
  }
  if (!graphable || warm_ < options_.warmup) {
    step();
    ++eager_steps_;
    if (graphable) ++warm_;
    return StepRoute::kEager;
  }
  try {
    graph_ = std::make_unique<kernels::CudaGraph>(step);
  } catch (const Error& e) {
    // Nothing was recorded and nothing ran on the device: run this step eagerly, and the rest.
    capture_error_ = e.what();
    step();
    ++eager_steps_;
    return StepRoute::kEager;
  }
  graph_->replay();
  ++replayed_steps_;
  return StepRoute::kCaptured;
}

}  // namespace revive::optim
