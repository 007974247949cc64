// A training step replayed from a CUDA Graph (kernels/cuda_graph.h) where it can be, eagerly where
// it cannot: the Trainer hands it the step as a callable and a key naming the step's shapes, and
// GraphStep warms up, captures once, replays, and falls back.
//
//   call 1..warmup    eager (the caching allocator fills with every block the step asks for, cuDNN
//                     caches its algorithm choices, the optimiser's first-step state settles)
//   call warmup + 1   captured, then replayed: the step runs once, from the graph
//   later calls       replayed, while the key is the captured one
//   another key       eager (the last, shorter batch of an epoch), the graph kept for the next call
//                     with the captured key
//   capture fails     eager from then on; capture_error() says why
//   on the CPU        always eager
//
// What the callable must do, because a replay runs its device work and none of its host code:
//  - read its inputs from, and write its outputs (the loss, the count of correct predictions) to,
//    device tensors allocated before the capture that keep their addresses: the caller copies each
//    batch into the same input tensors before run() and reads the outputs after it;
//  - not synchronise with the host (no item(), no to(cpu)) and not branch on device values;
//  - take every host value that changes between steps from device memory, or accept the captured
//    one: a learning rate passed by value (kernels/sgd_update.h) replays as captured, so a schedule
//    that changes it per step needs it in device memory or a key that includes it (a new key runs
//    eagerly);
//  - have host side effects that do not depend on how many times it ran: the capture runs the
//    host code once without running the device work, and a failed capture may have run part of it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/device.h"

namespace revive::kernels {
class CudaGraph;
}

namespace revive::optim {

enum class StepRoute {
  kEager,     // the callable ran
  kCaptured,  // the callable was captured, then the graph replayed once
  kReplayed,  // the graph replayed
};
const char* step_route_name(StepRoute route);

struct GraphStepOptions {
  bool enabled = true;  // false: always eager (on a GPU too)
  int warmup = 2;       // eager calls with the captured key before the capture; >= 1
};

class GraphStep {
 public:
  // `device`: where the step's work runs; on the CPU every call is eager.
  explicit GraphStep(Device device, GraphStepOptions options = {});
  ~GraphStep();
  GraphStep(const GraphStep&) = delete;
  GraphStep& operator=(const GraphStep&) = delete;

  // Runs one step: `step` itself or the replay of its capture (see above). `key` names what the
  // graph depends on (the batch's shape, say); the first key seen is the one captured. Returns
  // once the work is queued, as `step` would.
  StepRoute run(const std::vector<int64_t>& key, const std::function<void()>& step);

  bool captured() const { return graph_ != nullptr; }
  // Why capture failed ("" when it did not).
  const std::string& capture_error() const { return capture_error_; }
  int64_t eager_steps() const { return eager_steps_; }
  int64_t replayed_steps() const { return replayed_steps_; }

 private:
  Device device_;
  GraphStepOptions options_;
  std::vector<int64_t> key_;  // the key captured or to capture
  bool have_key_ = false;
  int warm_ = 0;  // eager calls with key_ so far
  std::unique_ptr<kernels::CudaGraph> graph_;
  std::string capture_error_;
  int64_t eager_steps_ = 0, replayed_steps_ = 0;
};

}  // namespace revive::optim
