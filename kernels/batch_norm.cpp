#include "kernels/batch_norm.h"

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"

namespace revive::kernels {
namespace {

void check_channel_vector(const Tensor& t, const Tensor& x, int64_t C, const char* op, const char* arg) {
  check_float(t, op, arg);
  check_same_device(x, t, op, arg);
  REVIVE_CHECK(t.shape() == Shape{C}, op << ": " << arg << " must have shape [" << C << "] (one value per channel), got "
                                         << shape_str(t.shape()));
}

}  // namespace

BatchNormForward batch_norm_forward(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                    const Tensor& running_mean, const Tensor& running_var, bool training,
                                    float momentum, float eps, BnActivation act) {
  const char* op = "batch_norm";
  check_nchw(x, op, "x");
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
  check_channel_vector(gamma, x, C, op, "gamma");
  check_channel_vector(beta, x, C, op, "beta");
  REVIVE_CHECK(eps > 0, "batch_norm: eps must be positive, got " << eps);
  const bool update = running_mean.defined() || running_var.defined();
  if (training) {
    REVIVE_CHECK(N * HW > 1, "batch_norm: training needs more than one value per channel, got x "
                                 << shape_str(x.shape()));
    REVIVE_CHECK(momentum >= 0 && momentum <= 1, "batch_norm: momentum must lie in [0, 1], got " << momentum);
  } else {
    REVIVE_CHECK(update, "batch_norm: eval mode needs running_mean and running_var");
  }
  if (update) {
    check_channel_vector(running_mean, x, C, op, "running_mean");
    check_channel_vector(running_var, x, C, op, "running_var");
  }
  return dispatch(
      op, x.device(),
      [&] { return batch_norm_forward_cpu(x, gamma, beta, running_mean, running_var, training, momentum, eps, act); },
      [&] { return batch_norm_forward_cuda(x, gamma, beta, running_mean, running_var, training, momentum, eps, act); });
}

BatchNormGrads batch_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                   const Tensor& istd, bool batch_stats, bool need_dx, bool need_dparams,
                                   const BnFusedActivation& fused) {
  const char* op = "batch_norm backward";
  check_nchw(x, op, "x");
  check_nchw(dy, op, "dy");
  check_same_device(x, dy, op, "dy");
  REVIVE_CHECK(dy.shape() == x.shape(), "batch_norm backward: dy " << shape_str(dy.shape()) << " does not match x "
                                                                  << shape_str(x.shape()));
  const int64_t C = x.dim(1);
  check_channel_vector(gamma, x, C, op, "gamma");
  check_channel_vector(mean, x, C, op, "mean");
  check_channel_vector(istd, x, C, op, "istd");
  if (fused.act != BnActivation::kNone) {
    check_channel_vector(fused.scale, x, C, op, "the fused activation's scale");
    check_channel_vector(fused.shift, x, C, op, "the fused activation's shift");
  }
  return dispatch(
      op, x.device(),
      [&] { return batch_norm_backward_cpu(dy, x, gamma, mean, istd, batch_stats, need_dx, need_dparams, fused); },
      [&] { return batch_norm_backward_cuda(dy, x, gamma, mean, istd, batch_stats, need_dx, need_dparams, fused); });
}

}  // namespace revive::kernels
