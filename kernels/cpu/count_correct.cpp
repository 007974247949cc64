#include "kernels/count_correct.h"

#include "kernels/entry_checks.h"

namespace revive::kernels {

template <class T>
int64_t count_correct_cpu(const T* logits, const int64_t* labels, int64_t N, int64_t K) {
  int64_t correct = 0;
  for (int64_t n = 0; n < N; ++n) {
    const T* row = logits + n * K;
    int64_t best = 0;
    for (int64_t k = 1; k < K; ++k) best = row[k] > row[best] ? k : best;
    correct += best == labels[n];
  }
  return correct;
}
template int64_t count_correct_cpu<float>(const float*, const int64_t*, int64_t, int64_t);
template int64_t count_correct_cpu<double>(const double*, const int64_t*, int64_t, int64_t);

int64_t count_correct(const Tensor& logits, const Tensor& labels) {
  check_logits_and_labels(logits, labels, "count_correct");
  return count_correct_cpu(logits.data<float>(), labels.data<int64_t>(), logits.dim(0), logits.dim(1));
}

}  // namespace revive::kernels
