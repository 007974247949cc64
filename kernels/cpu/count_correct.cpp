#include "kernels/count_correct.h"

namespace revive::kernels {

template <class T>
int64_t count_correct_cpu(const T* logits, const int64_t* labels, int64_t N, int64_t K) {
  int64_t correct = 0;
  for (int64_t n = 0; n < N; ++n) correct += argmax_row(logits + n * K, K) == labels[n];
  return correct;
}
template int64_t count_correct_cpu<float>(const float*, const int64_t*, int64_t, int64_t);
template int64_t count_correct_cpu<double>(const double*, const int64_t*, int64_t, int64_t);

void count_correct_accumulate_cpu(Tensor& total, const Tensor& logits, const Tensor& labels) {
  total.data<int64_t>()[0] +=
      count_correct_cpu(logits.data<float>(), labels.data<int64_t>(), logits.dim(0), logits.dim(1));
}

}  // namespace revive::kernels
