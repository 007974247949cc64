#include "kernels/sgd_update.h"

#include "kernels/dispatch.h"

namespace revive::kernels {

namespace {
void check_arena(const Tensor& t, const char* what, const Tensor& param) {
  REVIVE_CHECK(t.defined(), "sgd_update: " << what << " is undefined; expected a float32 tensor of "
                                           << param.numel() << " elements");
  REVIVE_CHECK(t.dtype() == DType::kFloat32 && t.is_plain(),
               "sgd_update: " << what << " is " << dtype_name(t.dtype()) << " in layout " << layout_name(t.layout())
                              << "; expected plain float32");
  REVIVE_CHECK(t.numel() == param.numel(), "sgd_update: " << what << " has " << t.numel()
                                                          << " elements; expected " << param.numel()
                                                          << " (the parameter arena's size)");
  REVIVE_CHECK(t.device() == param.device(),
               "sgd_update: " << what << " is on " << t.device().str() << "; expected " << param.device().str());
}

// The momentum buffer's pointer (null when the step uses none) once the arenas are checked.
float* checked_buffer(Tensor& param, Tensor& momentum_buf, const Tensor& dparam, const SgdUpdateParams& h) {
  check_arena(param, "param", param);
  check_arena(dparam, "dparam", param);
  const bool uses_momentum = h.momentum != 0.0f;
  if (uses_momentum) check_arena(momentum_buf, "momentum_buf", param);
  return uses_momentum ? momentum_buf.data<float>() : nullptr;
}

}  // namespace

void sgd_update(Tensor& param, Tensor& momentum_buf, const Tensor& dparam, const SgdUpdateParams& h) {
  float* buf = checked_buffer(param, momentum_buf, dparam, h);
  dispatch("sgd_update", param.device(),
           [&] { sgd_update_cpu(param.data<float>(), buf, dparam.data<float>(), param.numel(), h); },
           [&] { sgd_update_cuda(param.data<float>(), buf, dparam.data<float>(), param.numel(), h); });
}

void sgd_update(Tensor& param, Tensor& momentum_buf, const Tensor& dparam, const SgdUpdateParams& h,
                const Tensor& lr) {
  float* buf = checked_buffer(param, momentum_buf, dparam, h);
  REVIVE_CHECK(lr.defined() && lr.numel() == 1 && lr.dtype() == DType::kFloat32 && lr.device() == param.device(),
               "sgd_update: the learning rate must be one float32 element on " << param.device().str());
  dispatch(
      "sgd_update", param.device(),
      [&] {
        SgdUpdateParams with_lr = h;
        with_lr.lr = lr.data<float>()[0];
        sgd_update_cpu(param.data<float>(), buf, dparam.data<float>(), param.numel(), with_lr);
      },
      [&] { sgd_update_cuda_lr_in_memory(param.data<float>(), buf, dparam.data<float>(), param.numel(), h,
                                         lr.data<float>()); });
}

}  // namespace revive::kernels
