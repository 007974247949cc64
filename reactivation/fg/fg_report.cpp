#include "reactivation/fg/fg_report.h"

#include <algorithm>

namespace revive {

void FgReport::reset(int epoch_, const FgOptions& options, const std::vector<std::string>& group_names) {
  epoch = epoch_;
  variant = options.variant;
  criterion = options.criterion;
  n_models = options.models;
  groups = group_names;
  const size_t n = static_cast<size_t>(options.models);
  const bool external = options.variant == FgVariant::kExternal;
  criterion_value.assign(external ? n : 0, std::vector<float>(group_names.size(), 0.0f));
  alpha.assign(external ? n : 0, std::vector<double>(group_names.size(), 0.0));
  const bool single = options.variant == FgVariant::kNoise || options.variant == FgVariant::kInternal;
  rewritten_filters.assign(single ? n : 0, 0);
  mean_channel_weight.assign(options.variant == FgVariant::kFilter ? n : 0, 0.0);
  skipped = 0;
  convs_without_input_bn = 0;
  elapsed_us = 0;
}

namespace {

template <class T>
nlohmann::json stats(const std::vector<T>& v) {
  if (v.empty()) return nullptr;
  double sum = 0;
  for (T x : v) sum += static_cast<double>(x);
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return {{"mean", sum / static_cast<double>(v.size())}, {"min", *lo}, {"max", *hi}};
}

}  // namespace

nlohmann::json FgReport::summary_json() const {
  nlohmann::json models = nlohmann::json::array();
  for (int k = 0; k < n_models; ++k) {
    const size_t m = static_cast<size_t>(k);
    nlohmann::json j = nlohmann::json::object();
    if (!alpha.empty()) {
      j["alpha"] = stats(alpha[m]);
      j[criterion == FgCriterion::kEntropy ? "entropy" : "l1"] = stats(criterion_value[m]);
    }
    if (!rewritten_filters.empty()) j["rewritten_filters"] = rewritten_filters[m];
    if (!mean_channel_weight.empty()) j["mean_channel_weight"] = mean_channel_weight[m];
    models.push_back(j);
  }
  nlohmann::json out{{"method", "fg"},
                     {"epoch", epoch},
                     {"variant", fg_variant_name(variant)},
                     {"criterion", fg_criterion_name(criterion)},
                     {"groups", groups.size()},
                     {"models", models},
                     {"skipped", skipped},
                     {"elapsed_us", elapsed_us}};
  if (variant == FgVariant::kFilter) out["convs_without_input_bn"] = convs_without_input_bn;
  return out;
}

nlohmann::json FgReport::detail_json() const {
  nlohmann::json out{{"epoch", epoch}};
  if (!alpha.empty()) {
    nlohmann::json rows = nlohmann::json::array();
    for (size_t g = 0; g < groups.size(); ++g) {
      nlohmann::json crit = nlohmann::json::array(), a = nlohmann::json::array();
      for (size_t m = 0; m < alpha.size(); ++m) {
        crit.push_back(criterion_value[m][g]);
        a.push_back(alpha[m][g]);
      }
      rows.push_back({{"conv", groups[g]}, {fg_criterion_name(criterion), crit}, {"alpha", a}});
    }
    out["group_detail"] = rows;
  }
  return out;
}

}  // namespace revive
