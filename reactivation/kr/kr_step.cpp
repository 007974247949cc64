#include "reactivation/kr/kr_step.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "reactivation/kr/kr_math.h"
#include "reactivation/order_keys.h"

namespace revive {

nlohmann::json KrState::to_json() const { return {{"steps_applied", steps_applied}}; }

KrState KrState::from_json(const nlohmann::json& j) {
  REVIVE_CHECK(j.is_object() && j.contains("steps_applied") && j["steps_applied"].is_number_integer() &&
                   j["steps_applied"].get<int64_t>() >= 0,
               "KR state: expected {\"steps_applied\": n} with an integer n >= 0, got " << j.dump());
  KrState s;
  s.steps_applied = j["steps_applied"].get<int64_t>();
  return s;
}

nlohmann::json KrReport::to_json() const {
  nlohmann::json below;
  for (size_t i = 0; i < kDeadFilterThresholds.size(); ++i)
    below[kDeadFilterThresholdNames[i]] = conv_fraction_below[i];
  nlohmann::json j = {{"method", "kr"},
          {"epoch", epoch},
          {"applied", applied},
          {"gamma", gamma},
          {"filters", filters},
          {"c1_filters", c1_filters},
          {"c2_filters", c2_filters},
          {"invalid_filters", invalid_filters},
          {"invalid_kernels", invalid_kernels},
          {"rescaled_kernels", rescaled_kernels},
          {"skipped_kernels", {{"zero_norm", skipped_zero_norm}, {"non_finite", skipped_non_finite}}},
          {"conv_fraction_below", below},
          {"steps_applied", steps_applied},
          {"elapsed_us", elapsed_us}};
  if (std::any_of(stage_us.begin(), stage_us.end(), [](double t) { return t > 0; }))
    for (size_t i = 0; i < stage_us.size(); ++i) j["stage_us"][kKrStageNames[i]] = stage_us[i];
  return j;
}

bool kr_step_applies(const KrOptions& o, int epoch) { return (epoch + 1) % o.period == 0; }

double kr_gamma(const KrOptions& o, const ReactivationContext& ctx) {
  const int e = ctx.epoch;
  const int x = o.gamma_epoch == KrGammaEpoch::kCompleted ? e + 1 : e;
  if (o.gamma_schedule == KrGammaSchedule::kCosine) {
    const int t = ctx.total_epochs;
    REVIVE_CHECK(t >= 1 && e < t, "KR's cosine gamma needs the run's length: the epoch just trained ("
                                      << e << ", 0-based) must be below the total number of epochs (" << t << ")");
    constexpr double kPi = 3.14159265358979323846;
    return o.gamma0 * (1.0 + std::cos(kPi * x / t)) / 2.0;
  }
  const std::vector<double>& lr = ctx.epoch_lr;
  REVIVE_CHECK(x < static_cast<int>(lr.size()),
               "KR option gamma_schedule=lr_ratio needs the learning rate of epoch "
                   << x << ", but the run's schedule gives " << lr.size()
                   << " (a one-off step on a state dict knows none): use gamma_schedule=cosine");
  REVIVE_CHECK(lr[0] > 0 && std::isfinite(lr[0]) && std::isfinite(lr[static_cast<size_t>(x)]),
               "KR option gamma_schedule=lr_ratio needs a finite initial learning rate > 0, got " << lr[0]);
  return o.gamma0 * lr[static_cast<size_t>(x)] / lr[0];
}

bool kr_layer_is_depthwise(const FilterTable& table, int l) {
  const FilterTableLayers& L = table.layers();
  return L.kind[l] == ReactivatableKind::kConvWeight && L.groups[l] > 1 && L.n_slices[l] == 1;
}

bool kr_layer_takes_part(const FilterTable& table, int l, const KrOptions& o) {
  const FilterTableLayers& L = table.layers();
  if (L.kind[l] != ReactivatableKind::kConvWeight) return false;  // BN is never touched (§3.2)
  if (o.skip_1x1 && L.slice_len[l] == 1) return false;
  return o.rank_depthwise || !kr_layer_is_depthwise(table, l);
}

float kr_average_l1_divisor(const FilterTable& table, int l, const KrOptions& o) {
  const FilterTableLayers& L = table.layers();
  return o.avg_l1_divisor == KrAvgL1Divisor::kInChannels ? L.divisor[l]
                                                         : static_cast<float>(L.n_slices[l]) * L.slice_len[l];
}

KrReport kr_plan_step(const FilterTable& table, const void* arena, int64_t arena_numel, const KrOptions& o,
                      const ReactivationContext& ctx, const KrState& state) {
  validate_kr_options(o);
  REVIVE_CHECK(arena_numel == table.arena_numel(),
               "KR: the arena has " << arena_numel << " elements but the filter table was built for "
                                    << table.arena_numel());
  REVIVE_CHECK(arena != nullptr || arena_numel == 0, "KR: null arena");
  REVIVE_CHECK(ctx.epoch >= 0,
               "KR epoch must be >= 0 (the 0-based index of the epoch just trained), got " << ctx.epoch);
  KrReport report;
  report.epoch = ctx.epoch;
  report.applied = kr_step_applies(o, ctx.epoch);
  report.gamma = kr_gamma(o, ctx);
  for (int l = 0; l < table.n_layers(); ++l)
    if (kr_layer_takes_part(table, l, o)) report.filters += table.layers().n_filters[l];
  report.steps_applied = state.steps_applied + report.applied;
  return report;
}

uint64_t kr_c1_threshold_bound(const KrOptions& o) {
  // magnitude_key(a) < magnitude_key(limit) iff a < alpha, for every float a >= 0 (and NaN, never
  // below), with limit the smallest float >= alpha.
  return ascending_order_key(magnitude_key(float_at_or_above(o.alpha)), 0);
}

int64_t kr_c1_rank(const KrOptions& o, int64_t n_filters) { return kr_count(o.alpha, n_filters, o.rounding); }

}  // namespace revive
