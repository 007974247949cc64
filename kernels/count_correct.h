// Classification accuracy count: the number of rows n of logits [N, K] whose argmax equals
// labels[n] (int64 [N] in [0, K)). Ties go to the first index, as torch.argmax; a NaN never wins.
// Not differentiable.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace revive::kernels {

template <class T>
int64_t count_correct_cpu(const T* logits, const int64_t* labels, int64_t N, int64_t K);

int64_t count_correct(const Tensor& logits, const Tensor& labels);

}  // namespace revive::kernels
