// Classification accuracy count: the number of rows n of logits [N, K] whose argmax equals
// labels[n] (int64 [N] in [0, K)). Ties go to the first index, as torch.argmax; a NaN never wins.
// Not differentiable.
//
// Versions:
//  - count_correct_cpu<T>: plain buffers, float or double; argmax_row is the per-row math the
//    CUDA kernel shares.
//  - count_correct_accumulate_cuda (kernels/cuda/count_correct.cu): a grid-stride kernel, a thread
//    per row, a block reduction, one atomic add per block into a device counter. It adds to a
//    counter instead of returning a number so that a training step never waits for the device:
//    the trainer reads its counters back once per logging interval.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "core/tensor.h"

namespace revive::kernels {

// The first index of the largest value of row[0, K) (K >= 1); comparisons with NaN are false, so a
// NaN never replaces the running maximum.
template <class T>
REVIVE_HD int64_t argmax_row(const T* row, int64_t K) {
  int64_t best = 0;
  for (int64_t k = 1; k < K; ++k) best = row[k] > row[best] ? k : best;
  return best;
}

template <class T>
int64_t count_correct_cpu(const T* logits, const int64_t* labels, int64_t N, int64_t K);

// Waits for the device when the tensors live on one.
int64_t count_correct(const Tensor& logits, const Tensor& labels);
// total (int64, one element, on the logits' device) += the count, queued on the device.
void count_correct_accumulate(Tensor& total, const Tensor& logits, const Tensor& labels);

// Backends, called by the entry point after validation.
void count_correct_accumulate_cpu(Tensor& total, const Tensor& logits, const Tensor& labels);
void count_correct_accumulate_cuda(Tensor& total, const Tensor& logits, const Tensor& labels);

}  // namespace revive::kernels
