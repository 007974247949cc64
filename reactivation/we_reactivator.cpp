#include "reactivation/we_reactivator.h"

#include "reactivation/arena_tensors.h"

namespace revive {

WeReactivator::WeReactivator(WeOptions options) : options_(std::move(options)) { validate_we_options(options_); }

void WeReactivator::apply(const ReactivationContext& ctx, nn::Module&, nn::ParameterArena& arena,
                          nlohmann::json& telemetry) {
  const Tensor& params = arena.params();
  REVIVE_CHECK(params.device().is_cpu(), "Weight Evolution runs on the CPU in this build; the arena is on "
                                             << params.device().str());
  if (!table_ || table_arena_numel_ != params.numel()) {
    table_ = std::make_unique<FilterTable>(FilterTable::build(reactivatable_tensors(arena), params.numel()));
    table_arena_numel_ = params.numel();
  }
  report_ = we_apply_cpu(*table_, params.data<float>(), params.numel(), options_, ctx.epoch, ctx.stage_boundaries,
                         state_, &scratch_);
  telemetry = report_.to_json();
}

void WeReactivator::load_state(const nlohmann::json& state) {
  if (!state.is_null()) state_ = WeState::from_json(state);
}

}  // namespace revive
