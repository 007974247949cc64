#include "kernels/count_correct.h"

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"

namespace revive::kernels {

int64_t count_correct(const Tensor& logits, const Tensor& labels) {
  Tensor total = Tensor::zeros({1}, DType::kInt64, logits.defined() ? logits.device() : Device::cpu());
  count_correct_accumulate(total, logits, labels);
  return total.to_vector<int64_t>()[0];
}

void count_correct_accumulate(Tensor& total, const Tensor& logits, const Tensor& labels) {
  check_logits_and_labels(logits, labels, "count_correct");
  REVIVE_CHECK(total.defined() && total.dtype() == DType::kInt64 && total.numel() == 1,
               "count_correct: the total must be a one-element int64 tensor");
  check_same_device(logits, total, "count_correct", "total");
  dispatch("count_correct", logits.device(), [&] { count_correct_accumulate_cpu(total, logits, labels); },
           [&] { count_correct_accumulate_cuda(total, logits, labels); });
}

}  // namespace revive::kernels
