// How many conv filters are dead: the average L1 norm (§1.2: ||W_f||_1 / I_g,
// the importance WE ranks by) of every conv filter of a filter table, summarised per layer and over
// the whole network. Every run logs it each epoch whatever its method (`filters` in metrics.jsonl),
// so that studies compare methods on one measure: the fraction of filters below 1e-4 ... 1 (the
// curve of Filter Grafting's Figure 6) and each layer's mean (the histogram of WE's Figure 2).
// `revive inspect` prints the per-layer figures of a file.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reactivation/filter_table.h"

namespace revive {

// The thresholds of the census's fractions, with their names in metrics.jsonl (wider than the
// methods' own dead-filter telemetry, kDeadFilterThresholds in filter_norms.h, to draw the curve).
constexpr std::array<double, 5> kFilterCensusThresholds{1e-4, 1e-3, 1e-2, 1e-1, 1.0};
extern const std::array<const char*, 5> kFilterCensusThresholdNames;  // "1e-4", ..., "1"

// One conv layer's filters by average L1.
struct ConvLayerFilters {
  std::string name;
  std::vector<float> avg_l1;  // one per filter, in filter order

  int64_t n_filters() const { return static_cast<int64_t>(avg_l1.size()); }
  int64_t count_below(double threshold) const;  // filters with avg L1 < threshold
  double mean() const;
  double min() const;
  double max() const;
  double median() const;  // the mean of the two middle values for an even count
};

// Every conv layer of the table (BN entries are skipped), in table order; `arena` holds the
// table's values on the CPU.
std::vector<ConvLayerFilters> conv_layer_filters(const FilterTable& table, const float* arena);

struct FilterCensus {
  int64_t n_conv_filters = 0;
  std::array<double, 5> fraction_below{};  // of all conv filters, at kFilterCensusThresholds
  std::vector<double> layer_mean_avg_l1;   // one per conv layer
};
FilterCensus filter_census(const std::vector<ConvLayerFilters>& layers);

// {"conv_filters": N, "fraction_below": {"1e-4": f, ...}, "layer_mean_avg_l1": [...]}
nlohmann::json filter_census_json(const FilterCensus& census);

}  // namespace revive
