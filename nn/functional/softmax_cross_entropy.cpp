#include "core/autograd.h"
#include "kernels/softmax_cross_entropy.h"
#include "nn/functional.h"

namespace revive::nn::functional {

Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels) {
  kernels::SoftmaxCrossEntropy f = kernels::softmax_cross_entropy_forward(logits, labels);
  record("softmax_cross_entropy", {logits}, f.loss, [probs = f.probs, labels = labels.detach()](const Tensor& dloss) {
    return std::vector<Tensor>{kernels::softmax_cross_entropy_backward(probs, labels, dloss)};
  });
  return f.loss;
}

}  // namespace revive::nn::functional
