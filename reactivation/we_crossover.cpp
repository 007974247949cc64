#include "reactivation/we_crossover.h"

#include "reactivation/we_math.h"

namespace revive {

bool we_uses_filter_level(const FilterTable& table, int layer, const WeOptions& o) {
  const FilterTableLayers& L = table.layers();
  if (L.kind[layer] != ReactivatableKind::kConvWeight) return false;
  if (o.level == WeLevel::kFilter) return true;
  switch (o.depthwise) {
    case WeDepthwise::kElement: return false;
    case WeDepthwise::kFilterLevel: return L.n_slices[layer] == 1;
    case WeDepthwise::kCodeKh1: return L.kernel_h[layer] == 1;
  }
  return false;
}

namespace {

constexpr int64_t kPrefetchDistance = 4;

// counts[0] written elements, [1] zero denominators, [2] non-finite results.
void record(const BlendResult& r, float* dst, int64_t* counts) {
  switch (r.status) {
    case BlendStatus::kWritten:
      *dst = r.value;
      ++counts[0];
      break;
    case BlendStatus::kZeroDenominator: ++counts[1]; break;
    case BlendStatus::kNonFinite: ++counts[2]; break;
  }
}

// inferior[e] <- blend(inferior[e], dominant[e]) for every e, skipping failed blends. Branch-free so
// that it vectorises: it serves 1x1 convs (one-element slices), filter-level blends and BN scalars.
template <class Blend>
void blend_elements(float* inferior, const float* dominant, int32_t n, const Blend& blend, int64_t* counts) {
  int32_t written = 0, zero = 0;  // 32-bit sums stay in SIMD lanes
  for (int32_t e = 0; e < n; ++e) {
    const BlendResult r = blend(inferior[e], dominant[e]);
    const bool ok = r.status == BlendStatus::kWritten;
    inferior[e] = ok ? r.value : inferior[e];
    written += ok;
    zero += r.status == BlendStatus::kZeroDenominator;
  }
  counts[0] += written;
  counts[1] += zero;
  counts[2] += n - written - zero;
}

// Element blend of spec 1.6b/c for one (m, l) pair: paper Eq. 5-6, or Eq. 5 with a fixed alpha.
BlendResult blend_paper(float m, float l, const WeOptions& o) {
  return o.alpha_fixed ? we_blend_fixed(m, l, static_cast<float>(o.alpha)) : we_blend_adaptive(m, l);
}

void blend_filter(float* inferior, const float* dominant, int32_t len, float l1_inferior, float l1_dominant,
                  const WeOptions& o, int64_t* counts) {
  float alpha = static_cast<float>(o.alpha);
  if (!o.alpha_fixed) {
    const AlphaResult a = we_filter_alpha(l1_inferior, l1_dominant);
    if (a.status != BlendStatus::kWritten) {
      ++counts[a.status == BlendStatus::kZeroDenominator ? 1 : 2];
      return;
    }
    alpha = a.alpha;
  }
  blend_elements(inferior, dominant, len, [alpha](float i, float d) { return we_blend_fixed(i, d, alpha); }, counts);
}

void crossover_slices(float* inferior, const float* dominant, int32_t n_slices, int32_t slice_len, const WeOptions& o,
                      int64_t* counts) {
  if (slice_len == 1) {
    // 1x1 convs: m and l are the elements themselves, and the only element equal to m is m. The
    // formula is chosen outside the loop, which then has no branch.
    if (o.crossover == WeCrossover::kReferenceCode) {
      const float eps = static_cast<float>(o.harmonic_eps);
      blend_elements(inferior, dominant, n_slices, [eps](float m, float l) { return we_blend_harmonic(m, l, eps); },
                     counts);
    } else if (o.alpha_fixed) {
      const float alpha = static_cast<float>(o.alpha);
      blend_elements(inferior, dominant, n_slices, [alpha](float m, float l) { return we_blend_fixed(m, l, alpha); },
                     counts);
    } else {
      blend_elements(inferior, dominant, n_slices, [](float m, float l) { return we_blend_adaptive(m, l); }, counts);
    }
    return;
  }
  int64_t local[3] = {0, 0, 0};
  for (int32_t s = 0; s < n_slices; ++s) {
    float* m = inferior + static_cast<int64_t>(s) * slice_len;
    const float* d = dominant + static_cast<int64_t>(s) * slice_len;
    // Strict comparisons keep the first index in row-major order on ties ("Decisions" 2); the
    // selects compile to conditional moves (the comparisons are unpredictable).
    int32_t arg_l = 0, arg_m = 0;
    uint32_t key_l = magnitude_key(d[0]), key_m = magnitude_key(m[0]);
    for (int32_t e = 1; e < slice_len; ++e) {
      const uint32_t kd = magnitude_key(d[e]), km = magnitude_key(m[e]);
      const bool larger = kd > key_l, smaller = km < key_m;
      key_l = larger ? kd : key_l;
      arg_l = larger ? e : arg_l;
      key_m = smaller ? km : key_m;
      arg_m = smaller ? e : arg_m;
    }
    const float mv = m[arg_m], lv = d[arg_l];
    if (o.crossover == WeCrossover::kPaper) {
      record(blend_paper(mv, lv, o), m + arg_m, local);
      continue;
    }
    const BlendResult r = we_blend_harmonic(mv, lv, static_cast<float>(o.harmonic_eps));
    if (r.status != BlendStatus::kWritten) {
      ++local[r.status == BlendStatus::kZeroDenominator ? 1 : 2];
      continue;
    }
    // we.py:233-234 writes every element equal to m (float ==, so -0 == +0 as in torch).
    // Branch-free: which elements match is unpredictable.
    for (int32_t e = 0; e < slice_len; ++e) {
      const bool equal = m[e] == mv;
      m[e] = equal ? r.value : m[e];
      local[0] += equal;
    }
  }
  for (int i = 0; i < 3; ++i) counts[i] += local[i];
}

}  // namespace

void we_crossover_cpu(const FilterTable& table, float* arena, const float* l1, const WePairs& pairs,
                      const WeOptions& o, std::array<WeCrossoverCounts, kNumReactivatableKinds>& counts) {
  const FilterTableLayers& L = table.layers();
  const FilterTableFilters& F = table.filters();
  const int64_t n_pairs = static_cast<int64_t>(pairs.size());
  int64_t work = 0;
  for (int64_t p = 0; p < n_pairs; ++p) work += L.filter_len[F.layer[pairs.inferior[p]]];
  // Pairs are disjoint, so any order and any split over threads give the same arena.
  int64_t acc[kNumReactivatableKinds * 3] = {};
#pragma omp parallel for schedule(dynamic, 4) reduction(+ : acc[:kNumReactivatableKinds * 3]) if (work > 65536)
  for (int64_t p = 0; p < n_pairs; ++p) {
    // Pairs jump around the arena: start loading a later pair's filters now, so their first cache
    // misses overlap this pair's work (the hardware prefetcher follows from there).
    if (p + kPrefetchDistance < n_pairs) {
      const char* ahead_i = reinterpret_cast<const char*>(arena + F.offset[pairs.inferior[p + kPrefetchDistance]]);
      const char* ahead_d = reinterpret_cast<const char*>(arena + F.offset[pairs.dominant[p + kPrefetchDistance]]);
      __builtin_prefetch(ahead_i, 1);
      __builtin_prefetch(ahead_i + 64, 1);
      __builtin_prefetch(ahead_d);
      __builtin_prefetch(ahead_d + 64);
    }
    const int32_t fi = pairs.inferior[p], fd = pairs.dominant[p];
    const int32_t layer = F.layer[fi];
    int64_t* c = acc + 3 * static_cast<int>(L.kind[layer]);
    float* wi = arena + F.offset[fi];
    const float* wd = arena + F.offset[fd];
    if (L.kind[layer] != ReactivatableKind::kConvWeight) {
      record(blend_paper(*wi, *wd, o), wi, c);
    } else if (we_uses_filter_level(table, layer, o)) {
      blend_filter(wi, wd, L.filter_len[layer], l1[fi], l1[fd], o, c);
    } else {
      crossover_slices(wi, wd, L.n_slices[layer], L.slice_len[layer], o, c);
    }
  }
  for (int k = 0; k < kNumReactivatableKinds; ++k) {
    counts[k].updated_elements += acc[3 * k];
    counts[k].skipped_zero_denominator += acc[3 * k + 1];
    counts[k].skipped_non_finite += acc[3 * k + 2];
  }
}

}  // namespace revive
