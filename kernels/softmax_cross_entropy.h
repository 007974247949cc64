// Softmax cross-entropy averaged over the batch: logits [N, K], labels int64 [N] in [0, K):
//   loss = 1/N sum_n (lse_n - logits[n, labels[n]]),
//   lse_n = m_n + log sum_k exp(logits[n, k] - m_n),  m_n = max_k logits[n, k].
// Subtracting the row maximum keeps exp() in range, so logits of 1e4 still give a finite loss.
// The forward also writes probs = softmax(logits) [N, K], which is all the backward needs.
// Backward (`=`): dlogits = (probs - onehot(labels)) dloss / N.
//
// Versions:
//  - softmax_cross_entropy_*_cpu<T> on plain buffers, float or double (gradient checks run them in
//    double), also run by the CPU backend. Rows run serially: a batch of logits is a few thousand
//    numbers, and a serial sum keeps the loss bit-identical across thread counts.
//  - softmax_cross_entropy_*_cuda (kernels/cuda/softmax_cross_entropy.cu): the forward is a thread
//    per row across the grid running softmax_cross_entropy_row (the CPU's function), then the row
//    losses summed in double by a fixed-order reduction in one block; the backward is one
//    grid-stride kernel that reads dloss on the device (no host round trip). A label outside
//    [0, K), which the CPU entry rejects by reading the labels, makes the CUDA loss NaN and is
//    recorded on the device; take_bad_label (kernels/label_check.h) turns it into the CPU's error
//    when the losses are read back.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "core/tensor.h"

namespace revive::kernels {

// Writes row n's probabilities and returns its loss lse_n - logits[n, label].
template <class T>
REVIVE_HD T softmax_cross_entropy_row(T* probs, const T* logits, int64_t label, int64_t K) {
  T m = logits[0];
  for (int64_t k = 1; k < K; ++k) m = logits[k] > m ? logits[k] : m;
  T sum = 0;
  for (int64_t k = 0; k < K; ++k) {
    probs[k] = std::exp(logits[k] - m);
    sum += probs[k];
  }
  const T inv = T(1) / sum;
  for (int64_t k = 0; k < K; ++k) probs[k] *= inv;
  return std::log(sum) + m - logits[label];
}

// dlogits of one element: p dloss/N, minus dloss/N at the label.
template <class T>
REVIVE_HD T softmax_cross_entropy_grad(T p, bool is_label, T scale) {
  const T g = p * scale;
  return is_label ? g - scale : g;
}

// Returns the mean loss.
template <class T>
T softmax_cross_entropy_forward_cpu(T* probs, const T* logits, const int64_t* labels, int64_t N, int64_t K);
template <class T>
void softmax_cross_entropy_backward_cpu(T* dlogits, const T* probs, const int64_t* labels, T dloss, int64_t N,
                                        int64_t K);

struct SoftmaxCrossEntropy {
  Tensor loss;   // one element, shape []
  Tensor probs;  // [N, K]
};

// logits float32 plain [N, K] with N >= 1; labels as above (a clear error names a bad label).
SoftmaxCrossEntropy softmax_cross_entropy_forward(const Tensor& logits, const Tensor& labels);
// dloss: the one-element gradient of the loss.
Tensor softmax_cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor& dloss);

// Backends, called by the entry points after validation.
SoftmaxCrossEntropy softmax_cross_entropy_forward_cpu(const Tensor& logits, const Tensor& labels);
Tensor softmax_cross_entropy_backward_cpu(const Tensor& probs, const Tensor& labels, const Tensor& dloss);
SoftmaxCrossEntropy softmax_cross_entropy_forward_cuda(const Tensor& logits, const Tensor& labels);
Tensor softmax_cross_entropy_backward_cuda(const Tensor& probs, const Tensor& labels, const Tensor& dloss);

}  // namespace revive::kernels
