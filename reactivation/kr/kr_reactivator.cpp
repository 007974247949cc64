#include "reactivation/kr/kr_reactivator.h"

#include "core/error.h"
#include "reactivation/arena_tensors.h"

namespace revive {

KrReactivator::KrReactivator(KrOptions options) : options_(std::move(options)) { validate_kr_options(options_); }

void KrReactivator::apply(const ReactivationContext& ctx, const std::vector<ModelRef>& models,
                          nlohmann::json& telemetry) {
  REVIVE_CHECK(models.size() == 1, "Kernel Reactivation steps one network, got " << models.size());
  nn::ParameterArena& arena = *models.front().arena;
  const Tensor& params = arena.params();
  if (!table_ || table_arena_numel_ != params.numel()) {
    table_ = std::make_unique<FilterTable>(FilterTable::build(reactivatable_tensors(arena), params.numel()));
    table_arena_numel_ = params.numel();
    cuda_workspace_.reset();
  }
  if (params.device().is_cuda()) {
    if (!cuda_workspace_) cuda_workspace_ = std::make_unique<KrCudaWorkspace>(*table_, options_);
    report_ = kr_apply_cuda(*table_, params.data<float>(), params.numel(), options_, ctx, state_, *cuda_workspace_);
  } else {
    report_ = kr_apply_cpu(*table_, params.data<float>(), params.numel(), options_, ctx, state_, &scratch_);
  }
  telemetry = report_.to_json();
}

void KrReactivator::load_state(const nlohmann::json& state) {
  if (!state.is_null()) state_ = KrState::from_json(state);
}

}  // namespace revive
