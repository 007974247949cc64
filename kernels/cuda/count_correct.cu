// count_correct_accumulate_cuda (kernels/count_correct.h): total += the number of rows whose
// argmax (argmax_row, shared with the CPU) equals the label.
//
// Versions: one grid-stride kernel, a thread per row; a block reduction, then one atomicAdd per
// block (integer additions, so the order does not matter).
#include "kernels/count_correct.h"
#include "kernels/cuda/launch.cuh"

namespace revive::kernels {

static __global__ void count_correct_kernel(int64_t N, unsigned long long* total, const float* logits,
                                            const int64_t* labels, int64_t K) {
  __shared__ unsigned long long scratch[32];
  unsigned long long correct = 0;
  REVIVE_CUDA_KERNEL_LOOP(n, N) { correct += argmax_row(logits + n * K, K) == labels[n] ? 1 : 0; }
  correct = cuda::block_sum(correct, scratch);
  if (threadIdx.x == 0 && correct != 0) atomicAdd(total, correct);
}

void count_correct_accumulate_cuda(Tensor& total, const Tensor& logits, const Tensor& labels) {
  cuda::check_operand(total, "count_correct", "total");
  cuda::check_operand(logits, "count_correct", "logits");
  cuda::check_operand(labels, "count_correct", "labels");
  static_assert(sizeof(unsigned long long) == sizeof(int64_t), "the counter is updated as unsigned long long");
  cuda::launch_linear(count_correct_kernel, logits.dim(0), reinterpret_cast<unsigned long long*>(total.raw_data()),
                      logits.data<float>(), labels.data<int64_t>(), logits.dim(1));
}

}  // namespace revive::kernels
