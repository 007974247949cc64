#include "reactivation/filter_norms.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

namespace revive {
namespace {

// The lane loop is written out so the compiler keeps one independent accumulator per lane (SIMD
// registers), which both vectorises it and fixes the order.
inline float filter_l1(const float* p, int64_t n) {
  float acc[kFilterNormLanes] = {};
  int64_t i = 0;
  for (; i + kFilterNormLanes <= n; i += kFilterNormLanes)
    for (int l = 0; l < kFilterNormLanes; ++l) acc[l] += std::fabs(p[i + l]);
  for (int l = 0; i + l < n; ++l) acc[l] += std::fabs(p[i + l]);
  return filter_norm_combine(acc);
}

}  // namespace

void filter_norm_l1_cpu(const FilterTable& table, const float* arena, float* l1, float* importance) {
  const FilterTableLayers& L = table.layers();
  const FilterTableFilters& F = table.filters();
  const int64_t n_filters = table.n_filters();
  const int64_t total = F.element_prefix.empty() ? 0 : F.element_prefix.back();
  const int max_threads = static_cast<int>(std::min<int64_t>(omp_get_max_threads(), total / 16384 + 1));
  // Each thread takes a contiguous range of filters holding an equal share of the elements (BN
  // scalars and 3x3 filters of 64 channels differ 576x in work).
#pragma omp parallel num_threads(max_threads)
  {
    const int n_threads = omp_get_num_threads();
    const int t = omp_get_thread_num();
    const auto first_at = [&](int i) {
      const int64_t target = total * i / n_threads;
      return std::lower_bound(F.element_prefix.begin(), F.element_prefix.end() - 1, target) -
             F.element_prefix.begin();
    };
    const int64_t begin = first_at(t);
    const int64_t end = t + 1 == n_threads ? n_filters : first_at(t + 1);
    // Walk the range layer by layer so the per-layer constants stay in registers.
    for (int64_t f = begin; f < end;) {
      const int32_t layer = F.layer[f];
      const int64_t seg_end = std::min<int64_t>(end, L.first_filter[layer + 1]);
      const int32_t len = L.filter_len[layer];
      const float divisor = L.divisor[layer];
      const float* p = arena + F.offset[f];
      if (len == 1) {
        // |x| + 0 == |x|: a scalar's lane sum is its magnitude (divisor 1).
        for (int64_t i = 0; i < seg_end - f; ++i) l1[f + i] = importance[f + i] = std::fabs(p[i]);
      } else {
        for (int64_t i = 0; i < seg_end - f; ++i, p += len) {
          const float s = filter_l1(p, len);
          l1[f + i] = s;
          importance[f + i] = s / divisor;
        }
      }
      f = seg_end;
    }
  }
}

}  // namespace revive
