// Batch normalisation over (N, H, W) for each channel c of x [N, C, H, W] (gamma, beta, statistics [C]):
//   y = gamma[c] (x - mean[c]) istd[c] + beta[c],   istd = 1 / sqrt(var + eps).
// Training uses the batch mean and the biased batch variance, and updates the running statistics
// as PyTorch does: r = (1 - momentum) r + momentum stat, running_var taking the unbiased variance
// (M / (M - 1) var, M = N H W). Eval uses the running statistics.
// Backward, all outputs `=`, xhat = (x - mean) istd:
//   batch statistics:   dx = gamma istd / M (M dy - sum dy - xhat sum(dy xhat))
//   running statistics: dx = gamma istd dy
//   dgamma = sum dy xhat, dbeta = sum dy (sums over N, H, W).
// An optional rectifier fuses into the op: y = act(scale x + shift), relu or relu6 of the normalised
// value. Its backward masks dy by act's gradient at the same pre-activation, recomputed from x and
// the forward's scale and shift, so neither pass reads y: with relu6 and relu as separate ops the
// network would write y once more and read it twice more. Results equal the unfused ops' bit for
// bit (the mask compares the same float, computed by the same bn_affine).
//
// Versions:
//  - batch_norm_*_cpu<T>: plain NCHW buffers, float or double; gradient checks run them in double.
//  - batch_norm_*_cpu (Tensor): the same template body run on plain or blocked tensors
//    (kernels/cpu/channel_blocks.h), layout kept, padding channels zero. Each direction is two
//    passes over the data: a per-channel reduction (the forward's shifted sum and sum of squares,
//    the backward's sum dy and sum dy (x - mean); short runs in float, their totals in double),
//    then one element-wise pass y = a x + b (dx = a dy + b x + d) with per-channel coefficients.
//  - batch_norm_*_cuda (kernels/cuda/batch_norm.cu): the same three stages as three kernels, all
//    on the device: a reduction over a (channel, slice) grid writing partial sums in double, a
//    per-channel kernel that adds the slices in a fixed order and derives the statistics and
//    coefficients through batch_norm_channel_* below (shared with the CPU), and the element-wise
//    pass. No atomics: the result does not depend on timing. Own kernels rather than cuDNN's
//    batch norm, whose legacy API cuDNN 9 deprecates and whose eval-mode backward and statistics
//    differ from this op's.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "core/tensor.h"
#include "kernels/relu.h"

namespace revive::kernels {

enum class BnActivation { kNone, kRelu, kRelu6 };

// Per-element math shared by both backends. The forward's pre-activation and the backward's mask
// both come from bn_affine, so they see the same float.
template <class T>
REVIVE_HD T bn_affine(T scale, T x, T shift) {
  return scale * x + shift;
}
template <class T>
REVIVE_HD T bn_activate(BnActivation act, T pre) {
  return act == BnActivation::kRelu ? relu_value(pre) : act == BnActivation::kRelu6 ? relu6_value(pre) : pre;
}
// relu_grad and relu6_grad test y; y > 0 (0 < y < 6) exactly when the pre-activation is, NaN
// included (it fails every comparison in both).
template <class T>
REVIVE_HD T bn_activation_grad(BnActivation act, T dy, T pre) {
  return act == BnActivation::kRelu ? relu_grad(dy, pre) : act == BnActivation::kRelu6 ? relu6_grad(dy, pre) : dy;
}

// Per-channel math shared by both backends.
REVIVE_HD double batch_norm_istd(double var, double eps) { return 1.0 / std::sqrt(var + eps); }
REVIVE_HD double batch_norm_running(double running, double stat, double momentum) {
  return (1.0 - momentum) * running + momentum * stat;
}

// Training statistics of one channel from the sums over its M values shifted by `pivot`
// (s1 = sum (x - pivot), s2 = sum (x - pivot)^2): mean and biased variance, and the running
// statistics updated (unbiased variance) when running_mean is non-null.
template <class T>
REVIVE_HD void batch_norm_channel_stats(double* mean, double* var, double s1, double s2, double pivot, double M,
                                        T* running_mean, T* running_var, double momentum) {
  const double d = s1 / M;
  *mean = pivot + d;
  const double v = s2 / M - d * d;
  *var = v < 0.0 ? 0.0 : v;  // rounding may push a constant channel's variance below zero
  if (running_mean != nullptr) {
    *running_mean = static_cast<T>(batch_norm_running(*running_mean, *mean, momentum));
    *running_var = static_cast<T>(batch_norm_running(*running_var, *var * M / (M - 1), momentum));
  }
}

// One channel's normalisation y = scale x + shift from its statistics, and the statistics as the
// forward returns them (mean, istd in T).
template <class T>
REVIVE_HD void batch_norm_channel_affine(T* mean_out, T* istd_out, T* scale, T* shift, double mean, double var,
                                         double gamma, double beta, double eps) {
  const double is = batch_norm_istd(var, eps);
  *mean_out = static_cast<T>(mean);
  *istd_out = static_cast<T>(is);
  *scale = static_cast<T>(gamma * is);
  *shift = static_cast<T>(beta - mean * gamma * is);
}

// The coefficients of dx = a dy + b x + d for one channel (batch_stats: through mean and istd too)
// from sum_dy and sum_dy_xmu = sum dy (x - mean).
template <class T>
REVIVE_HD void batch_norm_channel_dx_coeffs(T* a, T* b, T* d, double gamma, double mean, double istd, double sum_dy,
                                            double sum_dy_xmu, double M, bool batch_stats) {
  const double k = gamma * istd;
  *a = static_cast<T>(k);
  *b = T(0);
  *d = T(0);
  if (batch_stats) {
    const double bc = -k * istd * istd * sum_dy_xmu / M;
    *b = static_cast<T>(bc);
    *d = static_cast<T>(-k * sum_dy / M - bc * mean);
  }
}

// Training (batch statistics): writes y and the batch mean and istd; updates running_mean/var in
// place when they are non-null. Eval: reads running_mean/var, writes y, and writes mean/istd from
// the running statistics so that the backward takes the same arguments in both modes. scale and
// shift [C], when non-null, receive the coefficients of y = act(scale x + shift).
template <class T>
void batch_norm_forward_cpu(T* y, T* mean, T* istd, const T* x, const T* gamma, const T* beta, T* running_mean,
                            T* running_var, int64_t N, int64_t C, int64_t HW, bool training, double momentum,
                            double eps, BnActivation act = BnActivation::kNone, T* scale = nullptr,
                            T* shift = nullptr);

// batch_stats: the forward normalised with batch statistics (training), so dx includes the
// gradient through mean and istd. dx, or dgamma and dbeta together, may be null when not needed.
// dy is the gradient of y = act(...); with an activation, scale and shift are the forward's.
template <class T>
void batch_norm_backward_cpu(T* dx, T* dgamma, T* dbeta, const T* dy, const T* x, const T* gamma, const T* mean,
                             const T* istd, int64_t N, int64_t C, int64_t HW, bool batch_stats,
                             BnActivation act = BnActivation::kNone, const T* scale = nullptr,
                             const T* shift = nullptr);

struct BatchNormForward {
  Tensor y;             // x's shape and layout
  Tensor mean, istd;    // [C], the statistics y was normalised with
  Tensor scale, shift;  // [C], y = act(scale x + shift): what the backward's activation mask needs
};

// x: float32 [N, C, H, W], plain or blocked; gamma, beta [C]. running_mean/var [C] are updated in
// place when training (skipped when undefined) and required in eval.
BatchNormForward batch_norm_forward(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                    const Tensor& running_mean, const Tensor& running_var, bool training,
                                    float momentum, float eps, BnActivation act = BnActivation::kNone);

struct BatchNormGrads {
  Tensor dx;             // x's layout; undefined unless need_dx
  Tensor dgamma, dbeta;  // [C]; undefined unless need_dparams
};

// The activation the forward fused, with its scale and shift (BatchNormForward's).
struct BnFusedActivation {
  BnActivation act = BnActivation::kNone;
  Tensor scale, shift;
};

BatchNormGrads batch_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                   const Tensor& istd, bool batch_stats, bool need_dx, bool need_dparams,
                                   const BnFusedActivation& fused = {});

// Backends, called by the entry points after validation (running_mean/var defined or not as
// above; dy of x's shape).
BatchNormForward batch_norm_forward_cpu(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                        const Tensor& running_mean, const Tensor& running_var, bool training,
                                        float momentum, float eps, BnActivation act);
BatchNormGrads batch_norm_backward_cpu(const Tensor& dy, const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                       const Tensor& istd, bool batch_stats, bool need_dx, bool need_dparams,
                                       const BnFusedActivation& fused);
BatchNormForward batch_norm_forward_cuda(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                         const Tensor& running_mean, const Tensor& running_var, bool training,
                                         float momentum, float eps, BnActivation act);
BatchNormGrads batch_norm_backward_cuda(const Tensor& dy, const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                        const Tensor& istd, bool batch_stats, bool need_dx, bool need_dparams,
                                        const BnFusedActivation& fused);

}  // namespace revive::kernels
