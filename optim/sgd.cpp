#include "optim/sgd.h"

#include <cmath>

namespace revive::optim {

void validate(const SgdOptions& o) {
  // Written as "x >= 0" so that NaN fails too.
  REVIVE_CHECK(o.lr >= 0.0 && std::isfinite(o.lr), "invalid SGD learning rate " << o.lr << ": expected >= 0");
  REVIVE_CHECK(o.momentum >= 0.0 && std::isfinite(o.momentum),
               "invalid SGD momentum " << o.momentum << ": expected >= 0");
  REVIVE_CHECK(std::isfinite(o.dampening), "invalid SGD dampening " << o.dampening << ": expected a finite value");
  REVIVE_CHECK(o.weight_decay >= 0.0 && std::isfinite(o.weight_decay),
               "invalid SGD weight decay " << o.weight_decay << ": expected >= 0");
  REVIVE_CHECK(!o.nesterov || (o.momentum > 0.0 && o.dampening == 0.0),
               "Nesterov momentum requires momentum > 0 and dampening 0 (got momentum "
                   << o.momentum << ", dampening " << o.dampening << ")");
}

SgdOptimizer::SgdOptimizer(const SgdOptions& options, const Tensor& params) : options_(options) {
  validate(options_);
  REVIVE_CHECK(params.defined(), "SgdOptimizer needs the parameter arena; got an undefined tensor");
  n_elements_ = params.numel();
  device_ = params.device();
  if (options_.momentum != 0.0) momentum_ = Tensor::zeros({n_elements_}, DType::kFloat32, device_);
}

void SgdOptimizer::check_arena(const Tensor& params) const {
  REVIVE_CHECK(params.defined() && params.numel() == n_elements_ && params.device() == device_,
               "SgdOptimizer::step: the parameter arena must be the one the optimizer was built for ("
                   << n_elements_ << " elements on " << device_.str() << ")");
}

kernels::SgdUpdateParams SgdOptimizer::update_params() const {
  kernels::SgdUpdateParams h;
  h.momentum = static_cast<float>(options_.momentum);
  h.dampening = static_cast<float>(options_.dampening);
  h.weight_decay = static_cast<float>(options_.weight_decay);
  h.nesterov = options_.nesterov;
  h.momentum_initialised = momentum_initialised_;
  return h;
}

void SgdOptimizer::step(Tensor& params, const Tensor& grads, float lr) {
  REVIVE_CHECK(lr >= 0.0f && std::isfinite(lr), "invalid SGD learning rate " << lr << ": expected >= 0");
  check_arena(params);
  kernels::SgdUpdateParams h = update_params();
  h.lr = lr;
  kernels::sgd_update(params, momentum_, grads, h);
  momentum_initialised_ = momentum_.defined();
}

void SgdOptimizer::step(Tensor& params, const Tensor& grads, const Tensor& lr) {
  check_arena(params);
  kernels::sgd_update(params, momentum_, grads, update_params(), lr);
  momentum_initialised_ = momentum_.defined();
}

void SgdOptimizer::load_state(const SgdState& state) {
  if (!momentum_.defined()) {
    REVIVE_CHECK(!state.momentum.defined(),
                 "the saved SGD state has a momentum buffer but this optimizer uses no momentum");
    return;
  }
  REVIVE_CHECK(state.momentum.defined(), "the saved SGD state has no momentum buffer; expected one of "
                                             << n_elements_ << " elements (momentum " << options_.momentum << ")");
  REVIVE_CHECK(state.momentum.numel() == n_elements_ && state.momentum.dtype() == DType::kFloat32,
               "the saved SGD momentum buffer has " << state.momentum.numel() << " "
                                                    << dtype_name(state.momentum.dtype()) << " elements; expected "
                                                    << n_elements_ << " float32");
  momentum_.copy_from(state.momentum.reshape({n_elements_}));  // copies across devices
  momentum_initialised_ = state.momentum_initialised;
}

}  // namespace revive::optim
