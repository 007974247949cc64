// Per-step loss and accuracy, collected without making a step wait for the device.
//
// Each add() stores the step's loss (a one-element tensor) and adds its correct-prediction count
// (kernels::count_correct_accumulate) into slot i of two small buffers on the model's device; the
// slots are read back in one go when `capacity` steps are queued (full()) or at flush(). On a GPU
// that is one host-device synchronisation per logging interval instead of one per step; on the CPU
// the Trainer uses capacity 1, which reads every step at once, as before the GPU existed.
//
// The sums built from the slots are the same arithmetic in the same order on every device and for
// every capacity: loss_sum += double(loss) * double(n), correct += count, step by step.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace revive {

class StepMetrics {
 public:
  StepMetrics(Device device, int64_t capacity);

  struct Step {
    int64_t index;  // the caller's step number, for messages
    int64_t n;      // samples in the batch
    float loss;     // the batch's mean loss
    int64_t correct;
  };

  // Queues one step: loss [] or [1] and logits [n, K], labels [n] on the device given at
  // construction. Throws when full() (flush first).
  void add(int64_t index, const Tensor& loss, const Tensor& logits, const Tensor& labels);
  // The same for a step that counted its correct predictions itself: `correct` is an int64 [] or
  // [1] on the device, `n` the batch's size (the graph route, optim/graph_train_step.h).
  void add_counted(int64_t index, const Tensor& loss, const Tensor& correct, int64_t n);
  bool full() const { return static_cast<int64_t>(queued_.size()) == capacity_; }
  bool empty() const { return queued_.empty(); }
  // Reads the queued steps back (waiting for the device) in the order they were added, and empties the queue.
  // Throws the CPU's message for a label out of range that a device recorded (kernels/label_check.h).
  std::vector<Step> flush();

 private:
  struct Queued {
    int64_t index, n;
  };
  int64_t capacity_;
  Tensor losses_;    // float32 [capacity]
  Tensor corrects_;  // int64 [capacity], zero in the slots not in use
  std::vector<Queued> queued_;
};

}  // namespace revive
