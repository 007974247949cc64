// Every option of Filter Grafting (docs/filter-grafting.md) as one plain struct, its two
// presets (§0.1), validation with messages in the user's terms, and the per-model initial
// learning rate of §2.2. The method's option table (fg_method.cpp) binds CLI flags and JSON
// to these fields; the name tables below give it each choice's spelling.
//
//   preset     paper (default): alpha unrounded | reference: alpha rounded to 2 decimals (2.5)
//   models     N networks trained side by side (2.1)
//   criterion  entropy (2.4) | l1 (whole-layer L1 norm, 2.7)
//   variant    external (scion = the ring predecessor, 2.1) | noise | internal | filter (2.7)
//   a, c       alpha = (a/pi) arctan(c dH) + 0.5 (2.5)
//   scope      reference (conv weight with the tensors after it, 2.3) | conv-only
//   lr         spread (lr0 (1 + cos(pi (N - i) / N)) / 2 for model i = 1..N) | same (2.2)
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace revive {

enum class FgCriterion : uint8_t { kEntropy, kL1 };
enum class FgVariant : uint8_t { kExternal, kNoise, kInternal, kFilter };
enum class FgScope : uint8_t { kReference, kConvOnly };
enum class FgLr : uint8_t { kSpread, kSame };

// A run of more networks than this is a mistake (the paper trains at most 8, Table 6).
constexpr int kFgMaxModels = 64;

struct FgOptions {
  std::string preset = "paper";
  // Networks grafted; 0: as many as the run trains (--method fg takes the run's --models).
  int models = 2;
  FgCriterion criterion = FgCriterion::kEntropy;
  FgVariant variant = FgVariant::kExternal;
  double a = 0.4;
  double c = 500;
  // Decimals alpha is rounded to (Python's round(x, d): the nearest decimal, ties to even), or -1
  // for none. The paper's Eq. 7 does not round; grafting.py:113 rounds to 2.
  int round_alpha = -1;
  FgScope scope = FgScope::kReference;
  FgLr lr = FgLr::kSpread;
  // Noise scions (2.7): conv filters with plain L1 below noise_threshold get N(0, 1) noise of
  // standard deviation noise_decay^epoch added.
  double noise_threshold = 0.1;
  double noise_decay = 0.975;
  // Internal scions (2.7): conv filters with plain L1 below internal_threshold, smallest first,
  // receive the filter of the same rank from the other end of the layer's order.
  double internal_threshold = 0.1;
};

FgOptions fg_preset(const std::string& name);  // "paper" or "reference"
const std::vector<std::string>& fg_preset_names();

// The spelling of each choice, for option tables, messages and JSON.
const std::vector<std::pair<std::string, FgCriterion>>& fg_criterion_names();
const std::vector<std::pair<std::string, FgVariant>>& fg_variant_names();
const std::vector<std::pair<std::string, FgScope>>& fg_scope_names();
const std::vector<std::pair<std::string, FgLr>>& fg_lr_names();
const char* fg_criterion_name(FgCriterion v);
const char* fg_variant_name(FgVariant v);
const char* fg_scope_name(FgScope v);
const char* fg_lr_name(FgLr v);

// Whether the variant grafts between networks (external, filter) or rewrites each network alone
// (noise, internal: §2.7 "single network").
bool fg_variant_grafts(FgVariant variant);

// Throws revive::Error naming the first invalid or contradictory option.
void validate_fg_options(const FgOptions& options);

nlohmann::json fg_options_to_json(const FgOptions& options);

// The initial learning rate of model k (0-based) of `n_models` (§2.2, grafting.py:64-70):
// lr0 (1 + cos(pi (N - i) / N)) / 2 with i = k + 1 under kSpread, so the last model keeps lr0;
// lr0 under kSame.
double fg_initial_lr(double lr0, int k, int n_models, FgLr lr);

}  // namespace revive
