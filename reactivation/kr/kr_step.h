// What every path of a Kernel Reactivation step shares (docs/kernel-reactivation.md): when it
// runs, gamma(e), which conv layers take part, the divisor of C1's average L1, C1's rank or limit,
// the step's report and the state carried in checkpoints. The paths themselves are
// kr_reference_step (reference.h, the readable one), kr_apply_cpu (kr_cpu.h) and kr_apply_cuda
// (kr_cuda.h); they select the same filters and kernels and write the same bits.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "reactivation/filter_norms.h"
#include "reactivation/filter_table.h"
#include "reactivation/kr/kr_options.h"
#include "reactivation/reactivator.h"

namespace revive {

// What KR carries from one epoch to the next. The step itself is a function of the weights, the
// epoch, the run's length and its learning rates, so nothing it computes is carried; the count of
// steps applied so far is, so that the telemetry stays right across a resume.
struct KrState {
  int64_t steps_applied = 0;

  nlohmann::json to_json() const;
  static KrState from_json(const nlohmann::json& j);
};

constexpr std::array<const char*, 4> kKrStageNames{"norms", "c1", "c2", "c3_rescale"};

struct KrReport {
  int epoch = 0;
  bool applied = false;  // (epoch + 1) is a multiple of the period
  double gamma = 0;      // gamma(e) (§3.2), also when the step does not apply
  int64_t filters = 0;          // conv filters taking part in C1 (N)
  int64_t c1_filters = 0;       // |S1|
  int64_t c2_filters = 0;       // |S2|
  int64_t invalid_filters = 0;  // |F| = |S1 n S2|
  int64_t invalid_kernels = 0;  // selected by C3, the skipped ones included
  int64_t rescaled_kernels = 0;
  int64_t skipped_zero_norm = 0;   // kappa_n = 0: no direction to keep (§3.2)
  int64_t skipped_non_finite = 0;  // R or kappa_b not finite (§0.1)
  // Fractions of all conv filters whose average L1 (L_j / I_g) is below kDeadFilterThresholds,
  // before the step.
  std::array<double, 3> conv_fraction_below{};
  int64_t steps_applied = 0;  // this one included (KrState)
  double elapsed_us = 0;
  // Wall time of each stage of the CPU step (kKrStageNames), for studying where the time goes;
  // zero elsewhere, and then left out of the JSON.
  std::array<double, 4> stage_us{};

  nlohmann::json to_json() const;  // for the epoch's metrics line
};

// The step runs after the 0-based epoch e when (e + 1) % period == 0: the paper's "e mod E = 0"
// for e = 1..T completed epochs (3.2).
bool kr_step_applies(const KrOptions& options, int epoch);

// gamma(e) of §3.2 after the 0-based epoch ctx.epoch: with x = e + 1 (completed epochs) or e
// (gamma_epoch = just_finished), gamma0 (1 + cos(pi x / T)) / 2 with T = ctx.total_epochs, or
// gamma0 ctx.epoch_lr[x] / ctx.epoch_lr[0] (lr_ratio). Throws when the context lacks what the
// schedule needs.
double kr_gamma(const KrOptions& options, const ReactivationContext& ctx);

// Depthwise: a grouped conv with one input channel per group, whose filters hold one kernel.
bool kr_layer_is_depthwise(const FilterTable& table, int layer);
// Whether layer l takes part in the step: a conv layer, unless skip_1x1 leaves out 1x1 kernels or
// rank_depthwise = false leaves out depthwise layers.
bool kr_layer_takes_part(const FilterTable& table, int layer, const KrOptions& options);
// The divisor of C1's average L1 for layer l's filters: I_g (the table's), or I_g Kh Kw.
float kr_average_l1_divisor(const FilterTable& table, int layer, const KrOptions& options);

// The host-side start of a step, shared by the paths: validates the options, the context and the
// arena (the size the table was built for), and fills the report's epoch, applied, gamma, filters
// and steps_applied (state.steps_applied, plus this step).
KrReport kr_plan_step(const FilterTable& table, const void* arena, int64_t arena_numel, const KrOptions& options,
                      const ReactivationContext& ctx, const KrState& state);

// C1 as a bound on the keys kr_order_key(average L1, filter id) (kr_math.h): a filter is
// in S1 iff its key is below. alpha_mode = l1_threshold gives it directly (average L1 < alpha);
// with a fraction, it is the key at rank kr_c1_rank of the taking-part filters sorted by their
// keys, which each path finds.
uint64_t kr_c1_threshold_bound(const KrOptions& options);
int64_t kr_c1_rank(const KrOptions& options, int64_t n_filters);

}  // namespace revive
