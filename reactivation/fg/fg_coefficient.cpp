#include "reactivation/fg/fg_coefficient.h"

#include <cmath>

namespace revive {

float fg_entropy(const int64_t* counts, int64_t n) {
  float h = 0.0f;
  for (int b = 0; b < kFgBins; ++b) {
    if (counts[b] <= 0) continue;
    const float p = static_cast<float>(counts[b]) / static_cast<float>(n);
    h = h - p * std::log(p);
  }
  return h;
}

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

}  // namespace revive
