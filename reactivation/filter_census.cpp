#include "reactivation/filter_census.h"

#include <algorithm>

#include "reactivation/filter_norms.h"

namespace revive {

const std::array<const char*, 5> kFilterCensusThresholdNames{"1e-4", "1e-3", "1e-2", "1e-1", "1"};

int64_t ConvLayerFilters::count_below(double threshold) const {
  return std::count_if(avg_l1.begin(), avg_l1.end(), [&](float v) { return static_cast<double>(v) < threshold; });
}

double ConvLayerFilters::mean() const {
  double sum = 0;
  for (float v : avg_l1) sum += v;
  return avg_l1.empty() ? 0.0 : sum / static_cast<double>(avg_l1.size());
}

double ConvLayerFilters::min() const {
  return avg_l1.empty() ? 0.0 : *std::min_element(avg_l1.begin(), avg_l1.end());
}

double ConvLayerFilters::max() const {
  return avg_l1.empty() ? 0.0 : *std::max_element(avg_l1.begin(), avg_l1.end());
}

double ConvLayerFilters::median() const {
  if (avg_l1.empty()) return 0.0;
  std::vector<float> v = avg_l1;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (static_cast<double>(v[n / 2 - 1]) + v[n / 2]) / 2;
}

std::vector<ConvLayerFilters> conv_layer_filters(const FilterTable& table, const float* arena) {
  const int64_t n = table.n_filters();
  std::vector<float> l1(static_cast<size_t>(n)), importance(static_cast<size_t>(n));
  filter_norm_l1_cpu(table, arena, l1.data(), importance.data());
  const FilterTableLayers& L = table.layers();
  std::vector<ConvLayerFilters> layers;
  for (int l = 0; l < table.n_layers(); ++l) {
    if (L.kind[l] != ReactivatableKind::kConvWeight) continue;
    const auto first = importance.begin() + L.first_filter[l];
    layers.push_back({table.layer_names()[l], std::vector<float>(first, first + L.n_filters[l])});
  }
  return layers;
}

FilterCensus filter_census(const std::vector<ConvLayerFilters>& layers) {
  FilterCensus c;
  std::array<int64_t, 5> below{};
  for (const ConvLayerFilters& layer : layers) {
    c.n_conv_filters += layer.n_filters();
    for (size_t i = 0; i < kFilterCensusThresholds.size(); ++i) below[i] += layer.count_below(kFilterCensusThresholds[i]);
    c.layer_mean_avg_l1.push_back(layer.mean());
  }
  for (size_t i = 0; i < below.size(); ++i) {
    const double n = static_cast<double>(c.n_conv_filters);
    c.fraction_below[i] = c.n_conv_filters ? static_cast<double>(below[i]) / n : 0.0;
  }
  return c;
}

nlohmann::json filter_census_json(const FilterCensus& census) {
  nlohmann::json below = nlohmann::json::object();
  for (size_t i = 0; i < kFilterCensusThresholds.size(); ++i) {
    below[kFilterCensusThresholdNames[i]] = census.fraction_below[i];
  }
  return {{"conv_filters", census.n_conv_filters},
          {"fraction_below", below},
          {"layer_mean_avg_l1", census.layer_mean_avg_l1}};
}

}  // namespace revive
