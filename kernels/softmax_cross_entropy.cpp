#include "kernels/softmax_cross_entropy.h"

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"

namespace revive::kernels {

SoftmaxCrossEntropy softmax_cross_entropy_forward(const Tensor& logits, const Tensor& labels) {
  check_logits_and_labels(logits, labels, "softmax_cross_entropy");
  REVIVE_CHECK(logits.dim(0) >= 1, "softmax_cross_entropy: the mean over an empty batch is undefined (logits "
                                       << shape_str(logits.shape()) << ")");
  return dispatch("softmax_cross_entropy", logits.device(),
                  [&] { return softmax_cross_entropy_forward_cpu(logits, labels); },
                  [&] { return softmax_cross_entropy_forward_cuda(logits, labels); });
}

Tensor softmax_cross_entropy_backward(const Tensor& probs, const Tensor& labels, const Tensor& dloss) {
  check_logits_and_labels(probs, labels, "softmax_cross_entropy backward");
  check_float(dloss, "softmax_cross_entropy backward", "dloss");
  check_same_device(probs, dloss, "softmax_cross_entropy backward", "dloss");
  REVIVE_CHECK(dloss.numel() == 1, "softmax_cross_entropy backward: dloss must have one element, got "
                                       << shape_str(dloss.shape()));
  return dispatch("softmax_cross_entropy backward", probs.device(),
                  [&] { return softmax_cross_entropy_backward_cpu(probs, labels, dloss); },
                  [&] { return softmax_cross_entropy_backward_cuda(probs, labels, dloss); });
}

}  // namespace revive::kernels
