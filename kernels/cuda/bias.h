// Bias kernels shared by the cuDNN convolution and the cuBLAS linear layer, which leave the bias
// to us: a tensor [N, K, inner] (inner = P Q for a convolution, 1 for a linear layer) and a bias
// [K]. Their CPU references are the bias terms of conv2d_*_ref and linear_*_ref; the conv2d and
// linear CUDA tests compare them with a bias.
#pragma once

#include <cstdint>

namespace revive::kernels::cuda {

// y[n, k, i] += b[k]: one grid-stride kernel.
void bias_add(float* y, const float* b, int64_t N, int64_t K, int64_t inner);
// db[k] += sum over n and i of dy[n, k, i]: a block per channel, a fixed-order reduction in
// double (deterministic), one add into db per channel.
void bias_grad_accumulate(float* db, const float* dy, int64_t N, int64_t K, int64_t inner);

}  // namespace revive::kernels::cuda
