#include "reactivation/we/we_reactivator.h"

#include "core/error.h"
#include "kernels/device_runtime.h"
#include "reactivation/arena_tensors.h"

namespace revive {

WeReactivator::WeReactivator(WeOptions options) : options_(std::move(options)) { validate_we_options(options_); }

void WeReactivator::apply(const ReactivationContext& ctx, const std::vector<ModelRef>& models,
                          nlohmann::json& telemetry) {
  REVIVE_CHECK(models.size() == 1, "Weight Evolution steps one network, got " << models.size());
  nn::ParameterArena& arena = *models.front().arena;
  const Tensor& params = arena.params();
  const Device device = params.device();
  if (!table_ || table_arena_numel_ != params.numel()) {
    table_ = std::make_unique<FilterTable>(FilterTable::build(reactivatable_tensors(arena), params.numel()));
    table_arena_numel_ = params.numel();
    cuda_workspace_.reset();
  }
  if (device.is_cuda()) {
    if (!cuda_workspace_ || cuda_workspace_->device() != device)
      cuda_workspace_ = std::make_unique<WeCudaWorkspace>(*table_, device);
    report_ = we_apply_cuda(*table_, params.data<float>(), params.numel(), options_, ctx.epoch, ctx.stage_boundaries,
                            state_, *cuda_workspace_, kernels::current_stream(device));
  } else {
    report_ = we_apply_cpu(*table_, params.data<float>(), params.numel(), options_, ctx.epoch, ctx.stage_boundaries,
                           state_, &scratch_);
  }
  telemetry = report_.to_json();
}

void WeReactivator::load_state(const nlohmann::json& state) {
  if (!state.is_null()) state_ = WeState::from_json(state);
}

}  // namespace revive
