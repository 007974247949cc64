// softmax_cross_entropy_forward_cuda / _backward_cuda (kernels/softmax_cross_entropy.h).
//
// Versions:
//  - forward: two launches. softmax_xent_rows_kernel, a thread per row over the whole grid, runs
//    softmax_cross_entropy_row (the CPU's per-row function, max-shifted, so finite for any finite
//    logits), writing the row's probabilities and loss. softmax_xent_sum_kernel, one block, adds the
//    row losses in double (thread t the rows t, t + 256, ..., then a fixed-order block reduction:
//    the result does not depend on timing) and divides by N; a label outside [0, K) makes the loss
//    NaN and the lowest such row is recorded for the next read-back (kernels/label_check.h), a
//    shared-memory minimum. The sum is the only single-block part: N floats.
//  - backward: one grid-stride kernel over N x K, scale dloss / N read from the device, its index
//    split in 32 bits when N x K allows (launch.cuh with_index_type).
#include <cmath>

#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/label_check.h"
#include "kernels/softmax_cross_entropy.h"

namespace revive::kernels {

static __global__ void softmax_xent_rows_kernel(int64_t N, float* row_loss, float* probs, const float* logits,
                                                const int64_t* labels, int64_t K) {
  REVIVE_CUDA_KERNEL_LOOP(n, N) {
    const int64_t label = labels[n];
    const bool valid = label >= 0 && label < K;
    row_loss[n] = softmax_cross_entropy_row(probs + n * K, logits + n * K, valid ? label : 0, K);
  }
}

static __global__ void softmax_xent_sum_kernel(float* loss, BadLabel* bad_label, const float* row_loss,
                                               const int64_t* labels, int64_t N, int64_t K) {
  __shared__ double scratch[32];
  __shared__ unsigned long long first_bad;
  if (threadIdx.x == 0) first_bad = ~0ull;
  __syncthreads();
  double sum = 0.0;
  for (int64_t n = threadIdx.x; n < N; n += blockDim.x) {
    const int64_t label = labels[n];
    const bool valid = label >= 0 && label < K;
    sum += valid ? static_cast<double>(row_loss[n]) : static_cast<double>(NAN);
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

template <class I>
static __global__ void softmax_xent_bwd_kernel(int64_t n, float* dlogits, const float* probs, const int64_t* labels,
                                               const float* dloss, int64_t N, I K) {
  const float scale = *dloss / static_cast<float>(N);
  REVIVE_CUDA_KERNEL_LOOP_T(I, i, static_cast<I>(n)) {
    dlogits[i] = softmax_cross_entropy_grad(probs[i], i % K == labels[i / K], scale);
  }
}

SoftmaxCrossEntropy softmax_cross_entropy_forward_cuda(const Tensor& logits, const Tensor& labels) {
  cuda::check_operand(logits, "softmax_cross_entropy", "logits");
  cuda::check_operand(labels, "softmax_cross_entropy", "labels");
  const int64_t N = logits.dim(0), K = logits.dim(1);
  SoftmaxCrossEntropy out{Tensor::empty({}, DType::kFloat32, logits.device()),
                          Tensor::empty({N, K}, DType::kFloat32, logits.device())};
  cuda::DeviceBuffer row_loss(static_cast<size_t>(N) * sizeof(float));
  cuda::launch_linear(softmax_xent_rows_kernel, N, row_loss.as<float>(), out.probs.data<float>(),
                      logits.data<float>(), labels.data<int64_t>(), K);
  softmax_xent_sum_kernel<<<1, cuda::kBlock, 0, cuda::stream()>>>(out.loss.data<float>(), cuda::bad_label_record(),
                                                                  row_loss.as<float>(), labels.data<int64_t>(), N, K);
  REVIVE_CUDA_CHECK_LAUNCH();
  return out;
}

Tensor softmax_cross_entropy_backward_cuda(const Tensor& probs, const Tensor& labels, const Tensor& dloss) {
  cuda::check_operand(probs, "softmax_cross_entropy backward", "probs");
  cuda::check_operand(labels, "softmax_cross_entropy backward", "labels");
  cuda::check_operand(dloss, "softmax_cross_entropy backward", "dloss");
  const int64_t N = probs.dim(0), K = probs.dim(1);
  Tensor dlogits = Tensor::empty({N, K}, DType::kFloat32, probs.device());
  cuda::with_index_type(N * K, [&](auto index) {
    using I = decltype(index);
    cuda::launch_linear(softmax_xent_bwd_kernel<I>, N * K, dlogits.data<float>(), probs.data<float>(),
                        labels.data<int64_t>(), dloss.data<float>(), N, static_cast<I>(K));
  });
  return dlogits;
}

}  // namespace revive::kernels
