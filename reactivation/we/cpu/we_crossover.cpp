#include "reactivation/we/we_crossover.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <vector>

#include "reactivation/home_chunks.h"
#include "kernels/cpu/avx2/cpu_features.h"
#include "reactivation/we/cpu/avx2/we_blend_row.h"
#include "reactivation/we/we_math.h"

namespace revive {

bool we_uses_filter_level(const FilterTable& table, int layer, const WeOptions& o) {
  const FilterTableLayers& L = table.layers();
  return we_filter_level(L.kind[layer] == ReactivatableKind::kConvWeight, L.n_slices[layer], L.kernel_h[layer], o.level,
                         o.filter_level_blend);
}

WeBlendParams we_blend_params(const WeOptions& o) {
  WeBlendParams p;
  p.crossover = o.crossover;
  p.alpha_fixed = o.alpha_fixed;
  p.alpha = static_cast<float>(o.alpha);
  p.harmonic_eps = static_cast<float>(o.harmonic_eps);
  return p;
}

namespace {

constexpr int64_t kPrefetchDistance = 4;

// Where the pairs' filters are, from the per-layer arrays alone (a few KiB, in L1): the per-filter
// tables are 12 bytes a filter, and scattered pairs missed the cache on them (a third of the
// stage's time on MobileNetV2). A pair's two filters are in one layer.
struct PairLocator {
  const FilterTableLayers& L;
  int n_layers;

  // The last layer with first_filter <= f: a binary search whose steps depend only on the layer
  // count, with a conditional move for the comparison.
  int layer_of(int32_t f) const {
    const int32_t* first = L.first_filter.data();
    const int32_t* base = first;
    for (int len = n_layers; len > 1;) {
      const int half = len / 2;
      base = base[half] <= f ? base + half : base;
      len -= half;
    }
    return static_cast<int>(base - first);
  }
  // layer_of(f), checking `guess` first: pairs come layer by layer, so it is mostly right (a search
  // per pair was a large share of MobileNetV2's crossover in BM_we_step_cpu, most of whose pairs
  // are BN scalars).
  int layer_near(int32_t f, int guess) const {
    return f >= L.first_filter[guess] && f < L.first_filter[guess + 1] ? guess : layer_of(f);
  }
  int64_t offset(int layer, int32_t f) const {
    return L.offset[layer] + static_cast<int64_t>(f - L.first_filter[layer]) * L.filter_len[layer];
  }
};

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

// The blend formulas of a row of elements (§1.6): adaptive (paper Eq. 5-6), harmonic (the
// reference code's), or with a fixed alpha.
enum class RowFormula { kAdaptive, kHarmonic, kFixed };

// blend_elements with one formula over a row: the AVX2 rows where the CPU has them (the same bits;
// GCC vectorises the portable loop for SSE only, and the AVX2 rows are faster in BM_we_step_cpu
// and BM_we_crossover_cpu). `param` is eps for kHarmonic and alpha for kFixed.
void blend_row(float* inferior, const float* dominant, int32_t n, RowFormula formula, float param, int64_t* counts) {
  namespace avx2 = kernels::cpu::avx2;
  if (avx2::cpu_has_avx2_fma()) {
    switch (formula) {
      case RowFormula::kAdaptive: avx2::blend_adaptive_row(inferior, dominant, n, counts); return;
      case RowFormula::kHarmonic: avx2::blend_harmonic_row(inferior, dominant, n, param, counts); return;
      case RowFormula::kFixed: avx2::blend_fixed_row(inferior, dominant, n, param, counts); return;
    }
  }
  // The formula is chosen outside the loop, which then has no branch.
  switch (formula) {
    case RowFormula::kAdaptive:
      blend_elements(inferior, dominant, n, [](float m, float l) { return we_blend_adaptive(m, l); }, counts);
      return;
    case RowFormula::kHarmonic:
      blend_elements(inferior, dominant, n, [param](float m, float l) { return we_blend_harmonic(m, l, param); },
                     counts);
      return;
    case RowFormula::kFixed:
      blend_elements(inferior, dominant, n, [param](float m, float l) { return we_blend_fixed(m, l, param); },
                     counts);
      return;
  }
}

void blend_filter(float* inferior, const float* dominant, int32_t len, float l1_inferior, float l1_dominant,
                  const WeBlendParams& o, int64_t* counts) {
  float alpha = o.alpha;
  if (!o.alpha_fixed) {
    const AlphaResult a = we_filter_alpha(l1_inferior, l1_dominant);
    if (a.status != BlendStatus::kWritten) {
      ++counts[a.status == BlendStatus::kZeroDenominator ? 1 : 2];
      return;
    }
    alpha = a.alpha;
  }
  blend_row(inferior, dominant, len, RowFormula::kFixed, alpha, counts);
}

void crossover_slices(float* inferior, const float* dominant, int32_t n_slices, int32_t slice_len,
                      const WeBlendParams& o, int64_t* counts) {
  if (slice_len == 1) {
    // 1x1 convs: m and l are the elements themselves, and the only element equal to m is m.
    if (o.crossover == WeCrossover::kReferenceCode) {
      blend_row(inferior, dominant, n_slices, RowFormula::kHarmonic, o.harmonic_eps, counts);
    } else if (o.alpha_fixed) {
      blend_row(inferior, dominant, n_slices, RowFormula::kFixed, o.alpha, counts);
    } else {
      blend_row(inferior, dominant, n_slices, RowFormula::kAdaptive, 0.0f, counts);
    }
    return;
  }
  int64_t local[3] = {0, 0, 0};
  for (int32_t s = 0; s < n_slices; ++s) {
    const int64_t at = static_cast<int64_t>(s) * slice_len;
    we_crossover_slice(inferior + at, dominant + at, slice_len, o, local);
  }
  for (int i = 0; i < 3; ++i) counts[i] += local[i];
}

}  // namespace

void we_crossover_cpu(const FilterTable& table, float* arena, const float* l1, const WePairs& pairs,
                      const WeOptions& o, std::array<WeCrossoverCounts, kNumReactivatableKinds>& counts) {
  const FilterTableLayers& L = table.layers();
  const PairLocator locate{L, table.n_layers()};
  const int64_t n_pairs = static_cast<int64_t>(pairs.size());
  const WeBlendParams blend = we_blend_params(o);
  // Pairs are disjoint, so any order and any split over threads give the same arena. Chunks of
  // 32 consecutive pairs, taken from each thread's home range first (reactivation/home_chunks.h;
  // pairs are in arena order) and then from the others' (a pair costs from one scalar to a few
  // thousand elements, and vCPUs can run unevenly): small chunks dealt round-robin left the first
  // thread to finish waiting for a sizeable share of the stage.
  constexpr int64_t kChunk = 32;
  const int64_t n_chunks = (n_pairs + kChunk - 1) / kChunk;
  const int n_threads = n_pairs > 2 * kChunk ? omp_get_max_threads() : 1;
  const auto pair_offset = [&](int64_t p) {
    const int32_t f = pairs.inferior[static_cast<size_t>(p)];
    return locate.offset(locate.layer_of(f), f);
  };
  struct alignas(64) Counts {  // a cache line of its own per thread
    std::array<int64_t, kNumReactivatableKinds * 3> n{};
  };
  std::vector<Counts> acc(static_cast<size_t>(n_threads));
  const std::vector<int64_t> home =
      home_ranges(n_chunks, table.arena_numel(), n_threads, [&](int64_t c) { return pair_offset(c * kChunk); });
  for_chunks_from_home(home, [&](int64_t chunk, int thread) {
    const int64_t end = std::min(n_pairs, (chunk + 1) * kChunk);
    int layer = 0, ahead_layer = 0;  // where the last pairs were: the next ones are mostly there too
    for (int64_t p = chunk * kChunk; p < end; ++p) {
      // Pairs jump around the arena: start loading a later pair's filters now, so their first
      // cache misses overlap this pair's work (the hardware prefetcher follows from there).
      if (p + kPrefetchDistance < n_pairs) {
        const int32_t ahead_i = pairs.inferior[p + kPrefetchDistance], ahead_d = pairs.dominant[p + kPrefetchDistance];
        ahead_layer = locate.layer_near(ahead_i, ahead_layer);
        const char* wi = reinterpret_cast<const char*>(arena + locate.offset(ahead_layer, ahead_i));
        const char* wd = reinterpret_cast<const char*>(arena + locate.offset(ahead_layer, ahead_d));
        __builtin_prefetch(wi, 1);
        __builtin_prefetch(wi + 64, 1);
        __builtin_prefetch(wd);
        __builtin_prefetch(wd + 64);
      }
      const int32_t fi = pairs.inferior[p], fd = pairs.dominant[p];
      layer = locate.layer_near(fi, layer);
      int64_t* c = acc[static_cast<size_t>(thread)].n.data() + 3 * static_cast<int>(L.kind[layer]);
      float* wi = arena + locate.offset(layer, fi);
      const float* wd = arena + locate.offset(layer, fd);
      if (L.kind[layer] != ReactivatableKind::kConvWeight) {
        we_record(we_blend_paper(*wi, *wd, blend), wi, c);
      } else if (we_uses_filter_level(table, layer, o)) {
        blend_filter(wi, wd, L.filter_len[layer], l1[fi], l1[fd], blend, c);
      } else {
        crossover_slices(wi, wd, L.n_slices[layer], L.slice_len[layer], blend, c);
      }
    }
  });
  for (int k = 0; k < kNumReactivatableKinds; ++k) {
    for (const auto& a : acc) {
      counts[k].updated_elements += a.n[3 * k];
      counts[k].skipped_zero_denominator += a.n[3 * k + 1];
      counts[k].skipped_non_finite += a.n[3 * k + 2];
    }
  }
}

}  // namespace revive
