#include "kernels/softmax_cross_entropy.h"


namespace revive::kernels {

template <class T>
T softmax_cross_entropy_forward_cpu(T* probs, const T* logits, const int64_t* labels, int64_t N, int64_t K) {
  double total = 0;
  for (int64_t n = 0; n < N; ++n) total += softmax_cross_entropy_row(probs + n * K, logits + n * K, labels[n], K);
  return static_cast<T>(total / static_cast<double>(N));
}

template <class T>
void softmax_cross_entropy_backward_cpu(T* dlogits, const T* probs, const int64_t* labels, T dloss, int64_t N,
                                        int64_t K) {
  const T scale = dloss / static_cast<T>(N);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t k = 0; k < K; ++k) {
      dlogits[n * K + k] = softmax_cross_entropy_grad(probs[n * K + k], k == labels[n], scale);
    }
  }
}

#define REVIVE_INSTANTIATE(T)                                                                            \
  template T softmax_cross_entropy_forward_cpu<T>(T*, const T*, const int64_t*, int64_t, int64_t);      \
  template void softmax_cross_entropy_backward_cpu<T>(T*, const T*, const int64_t*, T, int64_t, int64_t);
REVIVE_INSTANTIATE(float)
REVIVE_INSTANTIATE(double)
#undef REVIVE_INSTANTIATE

SoftmaxCrossEntropy softmax_cross_entropy_forward_cpu(const Tensor& logits, const Tensor& labels) {
  const int64_t N = logits.dim(0), K = logits.dim(1);
  SoftmaxCrossEntropy out{Tensor::empty({}), Tensor::empty({N, K})};
  out.loss.data<float>()[0] = softmax_cross_entropy_forward_cpu(out.probs.data<float>(), logits.data<float>(),
                                                                labels.data<int64_t>(), N, K);
  return out;
}

Tensor softmax_cross_entropy_backward_cpu(const Tensor& probs, const Tensor& labels, const Tensor& dloss) {
  const int64_t N = probs.dim(0), K = probs.dim(1);
  Tensor dlogits = Tensor::empty({N, K});
  softmax_cross_entropy_backward_cpu(dlogits.data<float>(), probs.data<float>(), labels.data<int64_t>(), dloss.item(),
                                     N, K);
  return dlogits;
}

}  // namespace revive::kernels
