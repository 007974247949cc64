// softmax_cross_entropy_forward_cuda / _backward_cuda (kernels/softmax_cross_entropy.h).
//
// Versions:
//  - forward: one fused launch of one block. A thread per row (strided over the batch) runs
//    softmax_cross_entropy_row, the CPU's per-row function (max-shifted, so finite for any finite
//    logits), writing the row's probabilities; the row losses are summed in double, per thread and
//    then by a fixed-order block reduction, and divided by N. One block is enough: a batch of
//    logits is a few thousand numbers, and the launch is latency-bound anyway. A label outside
//    [0, K) makes the loss NaN and the lowest such row is recorded for the next read-back
//    (kernels/label_check.h): a shared-memory minimum, so the record does not depend on timing.
//  - backward: one grid-stride kernel over N x K, scale dloss / N read from the device.
#include <cmath>

#include "kernels/cuda/launch.cuh"
#include "kernels/label_check.h"
#include "kernels/softmax_cross_entropy.h"

namespace revive::kernels {

static __global__ void softmax_xent_fwd_kernel(float* loss, BadLabel* bad_label, float* probs, const float* logits,
                                               const int64_t* labels, int64_t N, int64_t K) {
  __shared__ double scratch[32];
  __shared__ unsigned long long first_bad;
  if (threadIdx.x == 0) first_bad = ~0ull;
  __syncthreads();
  double sum = 0.0;
  for (int64_t n = threadIdx.x; n < N; n += blockDim.x) {
    const int64_t label = labels[n];
    const bool valid = label >= 0 && label < K;
    const float row = softmax_cross_entropy_row(probs + n * K, logits + n * K, valid ? label : 0, K);
    sum += valid ? static_cast<double>(row) : static_cast<double>(NAN);
    if (!valid) atomicMin(&first_bad, static_cast<unsigned long long>(n));
  }
  __syncthreads();
  sum = cuda::block_sum(sum, scratch);
  if (threadIdx.x != 0) return;
  *loss = static_cast<float>(sum / static_cast<double>(N));
  if (first_bad != ~0ull) {
    const auto n = static_cast<int64_t>(first_bad);
    record_bad_label(bad_label, n, labels[n], K);
  }
}

static __global__ void softmax_xent_bwd_kernel(int64_t n, float* dlogits, const float* probs, const int64_t* labels,
                                               const float* dloss, int64_t N, int64_t K) {
  const float scale = *dloss / static_cast<float>(N);
  REVIVE_CUDA_KERNEL_LOOP(i, n) { dlogits[i] = softmax_cross_entropy_grad(probs[i], i % K == labels[i / K], scale); }
}

SoftmaxCrossEntropy softmax_cross_entropy_forward_cuda(const Tensor& logits, const Tensor& labels) {
  cuda::check_operand(logits, "softmax_cross_entropy", "logits");
  cuda::check_operand(labels, "softmax_cross_entropy", "labels");
  const int64_t N = logits.dim(0), K = logits.dim(1);
  SoftmaxCrossEntropy out{Tensor::empty({}, DType::kFloat32, logits.device()),
                          Tensor::empty({N, K}, DType::kFloat32, logits.device())};
  softmax_xent_fwd_kernel<<<1, cuda::kBlock, 0, cuda::stream()>>>(out.loss.data<float>(), cuda::bad_label_record(),
                                                                  out.probs.data<float>(), logits.data<float>(),
                                                                  labels.data<int64_t>(), N, K);
  REVIVE_CUDA_CHECK_LAUNCH();
  return out;
}

Tensor softmax_cross_entropy_backward_cuda(const Tensor& probs, const Tensor& labels, const Tensor& dloss) {
  cuda::check_operand(probs, "softmax_cross_entropy backward", "probs");
  cuda::check_operand(labels, "softmax_cross_entropy backward", "labels");
  cuda::check_operand(dloss, "softmax_cross_entropy backward", "dloss");
  const int64_t N = probs.dim(0), K = probs.dim(1);
  Tensor dlogits = Tensor::empty({N, K}, DType::kFloat32, probs.device());
  cuda::launch_linear(softmax_xent_bwd_kernel, N * K, dlogits.data<float>(), probs.data<float>(),
                      labels.data<int64_t>(), dloss.data<float>(), N, K);
  return dlogits;
}

}  // namespace revive::kernels
