// Batch normalisation over (N, H, W) for each channel c of x [N, C, H, W] (gamma, beta, statistics [C]):
//   y = gamma[c] (x - mean[c]) istd[c] + beta[c],   istd = 1 / sqrt(var + eps).
// Training uses the batch mean and the biased batch variance, and updates the running statistics
// as PyTorch does: r = (1 - momentum) r + momentum stat, running_var taking the unbiased variance
// (M / (M - 1) var, M = N H W). Eval uses the running statistics.
// Backward, all outputs `=`, xhat = (x - mean) istd:
//   batch statistics:   dx = gamma istd / M (M dy - sum dy - xhat sum(dy xhat))
//   running statistics: dx = gamma istd dy
//   dgamma = sum dy xhat, dbeta = sum dy (sums over N, H, W).
//
// Versions:
//  - batch_norm_*_cpu<T>: plain NCHW buffers, float or double; gradient checks run them in double.
//  - batch_norm_forward / batch_norm_backward (Tensor entry points): the same template body run on
//    plain or blocked tensors (kernels/cpu/channel_blocks.h), layout kept, padding channels zero.
//    Each direction is two passes over the data: a per-channel reduction (the forward's shifted sum
//    and sum of squares, the backward's sum dy and sum dy (x - mean); short runs in float, their
//    totals in double), then one element-wise pass y = a x + b (dx = a dy + b x + d) with
//    per-channel coefficients.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "core/tensor.h"

namespace revive::kernels {

// Per-channel math the CUDA kernels will share.
REVIVE_HD double batch_norm_istd(double var, double eps) { return 1.0 / std::sqrt(var + eps); }
REVIVE_HD double batch_norm_running(double running, double stat, double momentum) {
  return (1.0 - momentum) * running + momentum * stat;
}

// Training (batch statistics): writes y and the batch mean and istd; updates running_mean/var in
// place when they are non-null. Eval: reads running_mean/var, writes y, and writes mean/istd from
// the running statistics so that the backward takes the same arguments in both modes.
template <class T>
void batch_norm_forward_cpu(T* y, T* mean, T* istd, const T* x, const T* gamma, const T* beta, T* running_mean,
                            T* running_var, int64_t N, int64_t C, int64_t HW, bool training, double momentum,
                            double eps);

// batch_stats: the forward normalised with batch statistics (training), so dx includes the
// gradient through mean and istd. dx, or dgamma and dbeta together, may be null when not needed.
template <class T>
void batch_norm_backward_cpu(T* dx, T* dgamma, T* dbeta, const T* dy, const T* x, const T* gamma, const T* mean,
                             const T* istd, int64_t N, int64_t C, int64_t HW, bool batch_stats);

struct BatchNormForward {
  Tensor y;           // x's shape and layout
  Tensor mean, istd;  // [C], the statistics y was normalised with
};

// x: float32 [N, C, H, W], plain or blocked; gamma, beta [C]. running_mean/var [C] are updated in
// place when training (skipped when undefined) and required in eval.
BatchNormForward batch_norm_forward(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                    const Tensor& running_mean, const Tensor& running_var, bool training,
                                    float momentum, float eps);

struct BatchNormGrads {
  Tensor dx;             // x's layout; undefined unless need_dx
  Tensor dgamma, dbeta;  // [C]; undefined unless need_dparams
};

BatchNormGrads batch_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                   const Tensor& istd, bool batch_stats, bool need_dx, bool need_dparams);

}  // namespace revive::kernels
