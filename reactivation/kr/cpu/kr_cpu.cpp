#include "reactivation/kr/kr_cpu.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "reactivation/cpu_step.h"
#include "reactivation/home_chunks.h"
#include "reactivation/kr/cpu/kr_filter_1x1.h"
#include "reactivation/kr/kr_math.h"
#include "reactivation/order_keys.h"
#include "reactivation/select_keys.h"

namespace revive {
namespace {

constexpr uint64_t kAllBelow = std::numeric_limits<uint64_t>::max();  // above every order key

// Below this much work a stage runs on one thread, where a parallel region costs more than it
// saves: C2's filters taking part (a few selections per layer), C3's weights of invalid filters.
constexpr int64_t kParallelFilters = 1024;
constexpr int64_t kParallelWeights = 16384;
constexpr int64_t kOneThreadC1 = 1 << 18;  // C1's filters selected on one thread (c1_rank_bound)

// The fractions of conv filters below kDeadFilterThresholds, from the average L1 of stage (a).
void dead_fractions(const FilterTable& table, const float* importance, KrReport& report) {
  const FilterTableLayers& L = table.layers();
  std::array<float, kDeadFilterThresholds.size()> limit{};
  for (size_t i = 0; i < limit.size(); ++i) limit[i] = float_at_or_above(kDeadFilterThresholds[i]);
  int64_t n_conv = 0;
  std::array<int64_t, kDeadFilterThresholds.size()> n_below{};
  for (int l = 0; l < table.n_layers(); ++l) {
    if (L.kind[l] != ReactivatableKind::kConvWeight) continue;
    const float* v = importance + L.first_filter[l];
    const int32_t n = L.n_filters[l];
    n_conv += n;
    for (size_t i = 0; i < limit.size(); ++i) {
      int32_t below = 0;
      for (int32_t j = 0; j < n; ++j) below += v[j] < limit[i];
      n_below[i] += below;
    }
  }
  for (size_t i = 0; i < n_below.size(); ++i)
    report.conv_fraction_below[i] = n_conv ? static_cast<double>(n_below[i]) / static_cast<double>(n_conv) : 0.0;
}

// C1's value of a layer's filters f in [first, end): magnitude_key of the average L1, a filter's
// L1 over the layer's divisor (kr_order_key's first half), into c1_magnitude[f]. Once per step, as
// C1's bound and the flags of stage (c) read them again; four filters at a time in GCC vector
// extensions (SSE on x86-64, NEON elsewhere), as a scalar division costs a few cycles each. Keys
// are below 2^31, so signed compares order them.
void c1_magnitudes(const float* l1, int32_t first, int32_t end, float divisor, uint32_t* c1_magnitude) {
  using F4 = float __attribute__((vector_size(16)));
  using I4 = int32_t __attribute__((vector_size(16)));
  constexpr int32_t kNanKey = static_cast<int32_t>(kNanMagnitudeKey);
  int32_t f = first;
  for (; f + 4 <= end; f += 4) {
    F4 x;
    std::memcpy(&x, l1 + f, sizeof x);
    I4 key = reinterpret_cast<I4>(x / divisor) & 0x7fffffff;
    key = key < kNanKey ? key : I4{} + kNanKey;
    std::memcpy(c1_magnitude + f, &key, sizeof key);
  }
  for (; f < end; ++f) c1_magnitude[f] = magnitude_key(l1[f] / divisor);
}

// C1's order keys (kr_c1_threshold_bound) of the filters: kr_order_key of a filter's average L1
// (c1_magnitudes) and its id.
struct C1Layer {
  const uint32_t* c1_magnitude;  // per filter
  uint32_t magnitude(int32_t f) const { return c1_magnitude[f]; }
  uint64_t key(int32_t f) const { return ascending_order_key(magnitude(f), static_cast<uint32_t>(f)); }
  // key(f) < bound, compared as 32-bit halves.
  bool below(int32_t f, uint64_t bound) const {
    const uint32_t m = magnitude(f), bound_m = static_cast<uint32_t>(bound >> 32);
    return (m < bound_m) | ((m == bound_m) & (static_cast<uint32_t>(f) < static_cast<uint32_t>(bound)));
  }
};

// Stage (b), C1 with a fraction: the key at rank floor(alpha N) of the taking-part filters' keys.
// The select gives its magnitude and how many equal ones precede it; the filter itself is the next
// equal one in id order, found by a scan (equal magnitudes are rare). A model's filters are a few
// thousand to tens of thousands: select_rank on this thread, where the threads' radix select
// (select_pool_thresholds) would spend more on its parallel region and barriers; past
// kOneThreadC1 filters, that one.
uint64_t c1_rank_bound(const FilterTable& table, int64_t rank, int64_t n, KrScratch& s) {
  if (rank >= n) return kAllBelow;
  const FilterTableLayers& L = table.layers();
  s.c1_keys.resize(static_cast<size_t>(n));
  uint32_t* keys = s.c1_keys.data();
  for (int l = 0; l < table.n_layers(); ++l) {
    if (!s.takes_part[l]) continue;
    keys = std::copy(s.c1_magnitude.data() + L.first_filter[l], s.c1_magnitude.data() + L.first_filter[l + 1], keys);
  }
  SelectPool pool{s.c1_keys.data(), n, rank};
  if (n <= kOneThreadC1) {
    const SelectRank r = select_rank(pool.keys, n, rank);
    pool.threshold = r.threshold;
    pool.equal_before = r.equal_before;
  } else {
    select_pool_thresholds(&pool, 1);
  }
  int64_t equal = pool.equal_before;
  const C1Layer c1{s.c1_magnitude.data()};
  for (int l = 0; l < table.n_layers(); ++l) {
    if (!s.takes_part[l]) continue;
    for (int32_t f = L.first_filter[l]; f < L.first_filter[l + 1]; ++f)
      if (c1.magnitude(f) == pool.threshold && equal-- == 0) return c1.key(f);
  }
  return kAllBelow;  // not reached: the entry at `rank` is one of the pool's
}

// Stage (c) for one layer: C2, the first floor(beta O) by L1 in the stable ascending order,
// flagged when also in S1; the layer's invalid filters go to invalid_list[first, first + count).
// Returns that count. Branch-free loops: which filters are in S1 and S2 is unpredictable.
int32_t flag_layer(const FilterTable& table, int l, const KrOptions& o, const float* l1, const C1Layer& c1,
                   uint64_t c1_bound, uint32_t* work, int64_t& n_s1, int32_t* invalid_list) {
  const FilterTableLayers& L = table.layers();
  const int32_t first = L.first_filter[l], end = first + L.n_filters[l];
  int32_t in_s1 = 0;
  for (int32_t f = first; f < end; ++f) in_s1 += c1.below(f, c1_bound);
  n_s1 += in_s1;
  const int32_t n_s2 = static_cast<int32_t>(kr_count(o.beta, end - first, o.rounding));
  if (in_s1 == 0 || n_s2 == 0) return 0;
  for (int32_t f = first; f < end; ++f) work[f - first] = magnitude_key(l1[f]);
  // S2: the keys below the threshold and the first `ties` equal to it (select_rank: O(n), where
  // sorting would cost O(n log n)). `work` is clobbered.
  const SelectRank r = select_rank(work, end - first, n_s2 - 1);
  int64_t ties = r.equal_before + 1;
  int32_t count = 0;
  for (int32_t f = first; f < end; ++f) {
    const uint32_t key = magnitude_key(l1[f]);
    const bool tie = key == r.threshold;
    const bool in_s2 = (key < r.threshold) | (tie & (ties > 0));
    ties -= tie;
    invalid_list[first + count] = f;  // count <= f - first: inside the layer's part
    count += in_s2 & c1.below(f, c1_bound);
  }
  return count;
}

// kappa[c] = kr_kernel_l1 of each of the n kernels of len floats at w: four kernels at a time,
// each its own sum in kr_kernel_l1's order (four independent chains where one kernel's adds would
// wait for each other), so the bits are kr_kernel_l1's.
template <int kLen>
void kernel_norms(const float* w, int32_t n, int32_t runtime_len, float* kappa) {
  const int32_t len = kLen > 0 ? kLen : runtime_len;
  int32_t c = 0;
  for (; c + 4 <= n; c += 4) {
    const float* p = w + static_cast<int64_t>(c) * len;
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    for (int32_t e = 0; e < len; ++e) {
      s0 += std::fabs(p[e]);
      s1 += std::fabs(p[len + e]);
      s2 += std::fabs(p[2 * len + e]);
      s3 += std::fabs(p[3 * len + e]);
    }
    kappa[c] = s0;
    kappa[c + 1] = s1;
    kappa[c + 2] = s2;
    kappa[c + 3] = s3;
  }
  for (; c < n; ++c) kappa[c] = kr_kernel_l1(w + static_cast<int64_t>(c) * len, len);
}

// Stage (d)'s counts: invalid kernels, then as kr_rescale_kernel counts (rescaled, zero, non-finite).
struct KernelCounts {
  int64_t invalid = 0;
  int64_t rescale[3] = {};
};

// Stage (d) for one invalid filter: C3 and the rescale (§3.2), as kr_reference_step does it.
// MobileNetV2's invalid filters are mostly 1x1 convs of hundreds of kernels, so every pass here
// is a loop over the kernels that vectorises, or one select_rank.
void reactivate_filter(const FilterTable& table, float* arena, int32_t f, double gamma, KrRounding rounding,
                       float* kappa, uint32_t* work, KernelCounts& counts) {
  const FilterTableLayers& L = table.layers();
  const int32_t l = table.filters().layer[f];
  const int32_t n_kernels = L.n_slices[l], len = L.slice_len[l];
  const int32_t n_invalid = kr_kernel_count(gamma, n_kernels, rounding);
  counts.invalid += n_invalid;
  if (n_invalid == 0) return;
  float* w = arena + table.filters().offset[f];
  if (len == 1) {
    kr_reactivate_1x1(w, n_kernels, n_invalid, work, counts.rescale);
    return;
  }
  if (len == 9) {
    kernel_norms<9>(w, n_kernels, len, kappa);  // 3x3 kernels, unrolled
  } else {
    kernel_norms<0>(w, n_kernels, len, kappa);
  }
  // kr_best_kernel: the first of the largest keys. Keys are below 2^31, so a signed maximum (a
  // SIMD instruction) orders them.
  int32_t max_key = 0;
  for (int32_t c = 0; c < n_kernels; ++c) {
    work[c] = magnitude_key(kappa[c]);
    max_key = std::max(max_key, static_cast<int32_t>(work[c]));
  }
  int32_t best = 0;
  while (work[best] != static_cast<uint32_t>(max_key)) ++best;
  // The others' keys: the last in the best one's place (select_rank's answer does not depend on
  // the keys' order).
  work[best] = work[n_kernels - 1];
  // The first n_invalid of the others in the stable order: keys below the threshold, and those
  // equal to it before `cutoff`. The threshold is mostly one kernel's alone: then no scan for the
  // cutoff is needed.
  const SelectRank rank = select_rank(work, n_kernels - 1, n_invalid - 1);
  const uint32_t threshold = rank.threshold;
  int32_t n_equal = 0;
  for (int32_t c = 0; c < n_kernels; ++c) n_equal += magnitude_key(kappa[c]) == threshold;
  n_equal -= static_cast<uint32_t>(max_key) == threshold;  // the best kernel is not among the others
  int32_t cutoff = n_kernels;
  if (n_equal > rank.equal_before + 1) {
    cutoff = 0;
    for (int64_t ties = rank.equal_before + 1; ties > 0; ++cutoff)
      ties -= cutoff != best && magnitude_key(kappa[cutoff]) == threshold;
  }
  const auto selected = [&](int32_t c) {
    const uint32_t key = magnitude_key(kappa[c]);
    return (c != best) & ((key < threshold) | ((key == threshold) & (c < cutoff)));
  };
  // The selected kernels' indices first, in a branch-free pass (which kernels are selected is
  // unpredictable), then their rescales.
  int32_t n_selected = 0;
  for (int32_t c = 0; c < n_kernels; ++c) {
    work[n_selected] = static_cast<uint32_t>(c);
    n_selected += selected(c);
  }
  for (int32_t i = 0; i < n_selected; ++i) {
    const int32_t c = static_cast<int32_t>(work[i]);
    kr_rescale_kernel(w + static_cast<int64_t>(c) * len, len, kappa[best], kappa[c], counts.rescale);
  }
}

}  // namespace

KrReport kr_apply_cpu(const FilterTable& table, float* arena, int64_t arena_numel, const KrOptions& o,
                      const ReactivationContext& ctx, KrState& state, KrScratch* scratch) {
  CpuStep<KrScratch> step(scratch);
  KrReport report = kr_plan_step(table, arena, arena_numel, o, ctx, state);
  KrScratch& s = step.scratch();
  const FilterTableLayers& L = table.layers();
  const auto end_stage = [&](size_t stage) { step.end_stage(report, stage); };

  step.norms(table, arena);  // (a), and the dead-filter fractions from it
  dead_fractions(table, s.importance.data(), report);
  end_stage(0);
  if (!report.applied) {
    report.elapsed_us = step.elapsed_us();
    return report;
  }

  // (b) C1's bound.
  s.takes_part.resize(static_cast<size_t>(table.n_layers()));
  s.c1_magnitude.resize(static_cast<size_t>(table.n_filters()));
  int32_t max_filters = 0, max_kernels = 0;
  for (int l = 0; l < table.n_layers(); ++l) {
    s.takes_part[l] = kr_layer_takes_part(table, l, o);
    if (!s.takes_part[l]) continue;
    c1_magnitudes(s.l1.data(), L.first_filter[l], L.first_filter[l + 1], kr_average_l1_divisor(table, l, o),
                  s.c1_magnitude.data());
    max_filters = std::max(max_filters, L.n_filters[l]);
    max_kernels = std::max(max_kernels, L.n_slices[l]);
  }
  const uint64_t c1_bound = o.alpha_mode == KrAlphaMode::kL1Threshold
                                ? kr_c1_threshold_bound(o)
                                : c1_rank_bound(table, kr_c1_rank(o, report.filters), report.filters, s);
  end_stage(1);

  // (c) C2 and the invalid filters, layer by layer; each layer lists its own from its first id on.
  const int max_threads = omp_get_max_threads();
  const int c2_threads = report.filters > kParallelFilters ? max_threads : 1;
  s.work.resize(static_cast<size_t>(max_threads));
  s.kappa.resize(static_cast<size_t>(max_threads));
  const size_t n_keys = static_cast<size_t>(std::max(max_filters, max_kernels));
  for (auto& k : s.work) k.resize(std::max(k.size(), n_keys));
  for (auto& k : s.kappa) k.resize(std::max(k.size(), static_cast<size_t>(max_kernels)));
  s.invalid_filters.resize(static_cast<size_t>(table.n_filters()));
  s.layer_invalid.assign(s.takes_part.size(), 0);
  int64_t n_s1 = 0, n_s2 = 0;
#pragma omp parallel for num_threads(c2_threads) schedule(dynamic, 1) reduction(+ : n_s1, n_s2)
  for (int r = 0; r < table.n_layers(); ++r) {
    const int l = table.n_layers() - 1 - r;  // wide layers first: they take longest
    if (!s.takes_part[l]) continue;
    n_s2 += kr_count(o.beta, L.n_filters[l], o.rounding);
    s.layer_invalid[l] = flag_layer(table, l, o, s.l1.data(), C1Layer{s.c1_magnitude.data()}, c1_bound,
                                    s.work[static_cast<size_t>(omp_get_thread_num())].data(), n_s1,
                                    s.invalid_filters.data());
  }
  report.c1_filters = n_s1;
  report.c2_filters = n_s2;
  int32_t n_invalid = 0;  // the layers' lists made one, in module order
  int64_t invalid_weights = 0;
  for (int l = 0; l < table.n_layers(); ++l) {
    std::memmove(s.invalid_filters.data() + n_invalid, s.invalid_filters.data() + L.first_filter[l],
                 static_cast<size_t>(s.layer_invalid[l]) * sizeof(int32_t));
    n_invalid += s.layer_invalid[l];
    invalid_weights += static_cast<int64_t>(s.layer_invalid[l]) * L.filter_len[l];
  }
  report.invalid_filters = n_invalid;
  end_stage(2);

  // (d) C3 and the rescale, filter by filter: each filter is its own, so any split over the
  // threads writes the same bits. Chunks of consecutive invalid filters, about eight per thread,
  // each thread taking those in its home range of the arena first (home_chunks.h): there the
  // norm stage just read them into its core's caches.
  const int c3_threads = invalid_weights > kParallelWeights ? max_threads : 1;
  const int64_t n_chunks = std::min<int64_t>(n_invalid, 8 * c3_threads);
  const auto chunk_begin = [&](int64_t c) { return n_chunks ? n_invalid * c / n_chunks : 0; };
  const std::vector<int64_t> home = home_ranges(n_chunks, table.arena_numel(), c3_threads, [&](int64_t c) {
    return table.filters().offset[s.invalid_filters[static_cast<size_t>(chunk_begin(c))]];
  });
  s.c3_counts.assign(static_cast<size_t>(c3_threads), {});
  for_chunks_from_home(home, [&](int64_t c, int t) {
    KernelCounts counts;
    for (int64_t i = chunk_begin(c); i < chunk_begin(c + 1); ++i)
      reactivate_filter(table, arena, s.invalid_filters[static_cast<size_t>(i)], report.gamma, o.rounding,
                        s.kappa[static_cast<size_t>(t)].data(), s.work[static_cast<size_t>(t)].data(), counts);
    std::array<int64_t, 8>& sum = s.c3_counts[static_cast<size_t>(t)];
    sum[0] += counts.invalid;
    for (int k = 0; k < 3; ++k) sum[k + 1] += counts.rescale[k];
  });
  int64_t invalid = 0, rescaled = 0, zero_norm = 0, non_finite = 0;
  for (const auto& sum : s.c3_counts) {
    invalid += sum[0];
    rescaled += sum[1];
    zero_norm += sum[2];
    non_finite += sum[3];
  }
  report.invalid_kernels = invalid;
  report.rescaled_kernels = rescaled;
  report.skipped_zero_norm = zero_norm;
  report.skipped_non_finite = non_finite;
  end_stage(3);
  state.steps_applied = report.steps_applied;
  report.elapsed_us = step.elapsed_us();
  return report;
}

}  // namespace revive
