#include "core/autograd.h"
#include "kernels/batch_norm.h"
#include "nn/functional.h"

namespace revive::nn::functional {

// The running statistics are updated whenever training, gradients recorded or not: PyTorch does
// the same under no_grad in train mode.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, Tensor& running_mean,
                  Tensor& running_var, bool training, float momentum, float eps, kernels::BnActivation act) {
  kernels::BatchNormForward f =
      kernels::batch_norm_forward(x, gamma, beta, running_mean, running_var, training, momentum, eps, act);
  kernels::BnFusedActivation fused{act, Tensor(), Tensor()};
  if (act != kernels::BnActivation::kNone) {
    fused.scale = f.scale;
    fused.shift = f.shift;
  }
  const bool need_dx = x.requires_grad();
  const bool need_dgamma = gamma.requires_grad(), need_dbeta = beta.requires_grad();
  const bool need_dparams = need_dgamma || need_dbeta;
  record("batch_norm", {x, gamma, beta}, f.y,
         [x = x.detach(), gamma = gamma.detach(), mean = f.mean, istd = f.istd, fused, training, need_dx,
          need_dparams, need_dgamma, need_dbeta](const Tensor& dy) {
           kernels::BatchNormGrads g =
               kernels::batch_norm_backward(dy, x, gamma, mean, istd, training, need_dx, need_dparams, fused);
           return std::vector<Tensor>{g.dx, need_dgamma ? g.dgamma : Tensor(), need_dbeta ? g.dbeta : Tensor()};
         });
  return f.y;
}

}  // namespace revive::nn::functional
