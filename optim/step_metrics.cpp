#include "optim/step_metrics.h"

#include "kernels/count_correct.h"
#include "kernels/label_check.h"

namespace revive {

StepMetrics::StepMetrics(Device device, int64_t capacity)
    : capacity_(capacity),
      losses_(Tensor::zeros({capacity}, DType::kFloat32, device)),
      corrects_(Tensor::zeros({capacity}, DType::kInt64, device)) {
  REVIVE_CHECK(capacity >= 1, "StepMetrics: capacity must be at least 1, got " << capacity);
  queued_.reserve(static_cast<size_t>(capacity));
}

void StepMetrics::add(int64_t index, const Tensor& loss, const Tensor& logits, const Tensor& labels) {
  REVIVE_CHECK(!full(), "StepMetrics: " << capacity_ << " steps queued; flush() before adding more");
  REVIVE_CHECK(loss.defined() && loss.numel() == 1, "StepMetrics: the loss must have one element");
  const int64_t slot = static_cast<int64_t>(queued_.size());
  Tensor::view_of(losses_, slot, {1}).copy_from(loss.reshape({1}));
  Tensor correct = Tensor::view_of(corrects_, slot, {1});
  kernels::count_correct_accumulate(correct, logits, labels);
  queued_.push_back({index, labels.numel()});
}

void StepMetrics::add_counted(int64_t index, const Tensor& loss, const Tensor& correct, int64_t n) {
  REVIVE_CHECK(!full(), "StepMetrics: " << capacity_ << " steps queued; flush() before adding more");
  REVIVE_CHECK(loss.defined() && loss.numel() == 1, "StepMetrics: the loss must have one element");
  REVIVE_CHECK(correct.defined() && correct.numel() == 1 && correct.dtype() == DType::kInt64,
               "StepMetrics: the count of correct predictions must be one int64 element");
  const int64_t slot = static_cast<int64_t>(queued_.size());
  Tensor::view_of(losses_, slot, {1}).copy_from(loss.reshape({1}));
  Tensor::view_of(corrects_, slot, {1}).copy_from(correct.reshape({1}));
  queued_.push_back({index, n});
}

std::vector<StepMetrics::Step> StepMetrics::flush() {
  std::vector<Step> steps;
  if (queued_.empty()) return steps;
  const std::vector<float> losses = losses_.to_vector<float>();
  const std::vector<int64_t> corrects = corrects_.to_vector<int64_t>();
  // Before the losses are looked at: a bad label is the cause of a NaN loss, not the learning rate.
  if (const auto bad = kernels::take_bad_label(losses_.device())) {
    const size_t n_queued = queued_.size();
    queued_.clear();
    corrects_.zero_();
    REVIVE_THROW(kernels::bad_label_message("softmax_cross_entropy", *bad)
                 << " in one of the last " << n_queued << " batches (found on " << losses_.device().str() << ")");
  }
  for (size_t i = 0; i < queued_.size(); ++i) {
    steps.push_back({queued_[i].index, queued_[i].n, losses[i], corrects[i]});
  }
  corrects_.zero_();
  queued_.clear();
  return steps;
}

}  // namespace revive
