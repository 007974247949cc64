#include "reactivation/fg/fg_coefficient.h"

#include <cmath>

namespace revive {

double fg_round(double w, int digits) {
  if (digits < 0) return w;
  const double scale = std::pow(10.0, digits);  // exact for the digits options allow
  return std::nearbyint(w * scale) / scale;
}

double fg_alpha(double delta, const FgOptions& o) {
  const double pi = 3.141592653589793;  // np.pi
  return fg_round(o.a / pi * std::atan(o.c * delta) + 0.5, o.round_alpha);
}

FgBlendWeights fg_blend_weights(double w) {
  if (fg_skipped(w)) return {1.0f, 0.0f};
  return {static_cast<float>(w), static_cast<float>(1.0 - w)};
}

namespace {

// The L1 criterion of a conv weight (§2.7) from its filters' norms: their sum in double, in
// filter order, rounded to float as the code's float32 torch.norm(u, 1) is.
float fg_l1_criterion(const float* filter_l1, int32_t n_filters) {
  double sum = 0;
  for (int32_t f = 0; f < n_filters; ++f) sum += filter_l1[f];
  return static_cast<float>(sum);
}

}  // namespace

int64_t fg_group_coefficients(const FgLayout& L, const FgOptions& o, int g, const int64_t* bins,
                              const float* filter_l1, FgReport& r, FgBlendWeights* weights) {
  const size_t n = r.alpha.size(), group = static_cast<size_t>(g), n_groups = static_cast<size_t>(L.n_groups());
  const FgGroup& G = L.groups()[group];
  for (size_t m = 0; m < n; ++m) {
    r.criterion_value[m][group] =
        o.criterion == FgCriterion::kEntropy
            ? entropy_from_bin_counts(bins + m * kEntropyBins, G.numel)
            : fg_l1_criterion(filter_l1 + m * static_cast<size_t>(L.n_filters()) + G.first_filter, G.n_filters);
  }
  int64_t skipped = 0;
  for (size_t m = 0; m < n; ++m) {
    const size_t prev = (m + n - 1) % n;
    const double alpha = fg_alpha(static_cast<double>(r.criterion_value[m][group]) - r.criterion_value[prev][group], o);
    r.alpha[m][group] = alpha;
    skipped += fg_skipped(alpha) ? 1 : 0;
    weights[m * n_groups + group] = fg_blend_weights(alpha);
  }
  return skipped;
}

void fg_channel_summary(const float* w, const uint8_t* ok, int64_t n_channels, int m, FgReport& r) {
  double sum = 0;
  int64_t counted = 0;
  for (int64_t c = 0; c < n_channels; ++c) {
    sum += ok[c] ? w[c] : 0.0;
    counted += ok[c] ? 1 : 0;
  }
  r.skipped += n_channels - counted;
  r.mean_channel_weight[static_cast<size_t>(m)] = counted ? sum / static_cast<double>(counted) : 1.0;
}

}  // namespace revive
