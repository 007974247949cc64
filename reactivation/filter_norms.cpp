#include "reactivation/filter_norms.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "reactivation/home_chunks.h"
#include "kernels/cpu/avx2/cpu_features.h"
#include "reactivation/cpu/avx2/filter_l1_rows.h"

namespace revive {
namespace {

// The 16 lanes are four 4-float vectors (GCC vector extensions: SSE on x86-64, NEON elsewhere):
// a0 holds lanes 0-3, a1 4-7, a2 8-11, a3 12-15. Per-filter overhead decides the speed here, as
// MobileNetV2's filters are short (9 elements depthwise, tens to hundreds otherwise). The tail is
// read as whole vectors with the lanes past the filter masked to +0, which leaves the lanes
// unchanged (x + +0 == x, and no lane is ever -0); a zero-padded copy serves the arena's last
// filter, whose whole vectors could run past the buffer. The combine tree stays in registers.
using Float4 = float __attribute__((vector_size(16)));
using Bits4 = uint32_t __attribute__((vector_size(16)));
using Int4 = int32_t __attribute__((vector_size(16)));

inline Float4 abs_load(const float* p, Int4 keep = Int4{} - 1) {
  Float4 v;
  std::memcpy(&v, p, sizeof v);
  return reinterpret_cast<Float4>(reinterpret_cast<Bits4>(v) & 0x7fffffffu & reinterpret_cast<Bits4>(keep));
}

// `end` is the end of the readable data, at or past p + n.
inline float filter_l1(const float* p, int64_t n, const float* end) {
  static_assert(kFilterNormLanes == 16, "four vectors of four lanes");
  Float4 a0{}, a1{}, a2{}, a3{};
  int64_t i = 0;
  for (; i + kFilterNormLanes <= n; i += kFilterNormLanes) {
    a0 += abs_load(p + i);
    a1 += abs_load(p + i + 4);
    a2 += abs_load(p + i + 8);
    a3 += abs_load(p + i + 12);
  }
  if (i < n) {
    const float* q = p + i;
    float padded[kFilterNormLanes] = {};
    if (end - q < kFilterNormLanes) {
      for (int l = 0; i + l < n; ++l) padded[l] = q[l];
      q = padded;
    }
    const Int4 rest = Int4{} + static_cast<int32_t>(n - i);
    const Int4 lane{0, 1, 2, 3};
    a0 += abs_load(q, lane < rest);
    a1 += abs_load(q + 4, lane + 4 < rest);
    a2 += abs_load(q + 8, lane + 8 < rest);
    a3 += abs_load(q + 12, lane + 12 < rest);
  }
  // filter_norm_combine: w = 8, then w = 4, then w = 2 and w = 1 on the first four lanes.
  a0 += a2;
  a1 += a3;
  a0 += a1;
  return (a0[0] + a0[2]) + (a0[1] + a0[3]);
}

void filter_rows(const float* p, int64_t n, int32_t len, float divisor, const float* end, float* l1,
                 float* importance, bool avx2) {
  if (len == 1) {
    // |x| + 0 == |x|: a scalar's lane sum is its magnitude (divisor 1).
    for (int64_t i = 0; i < n; ++i) l1[i] = importance[i] = std::fabs(p[i]);
  } else if (avx2) {
    kernels::cpu::avx2::filter_l1_rows(p, n, len, divisor, l1, importance);
  } else {
    for (int64_t i = 0; i < n; ++i, p += len) {
      const float s = filter_l1(p, len, end);
      l1[i] = s;
      importance[i] = s / divisor;
    }
  }
}

// Work of a thread's share in element-equivalents: the elements plus a fixed cost per filter (the
// tail and the combine), so that ranges of many short filters do not make one thread late.
constexpr int64_t kFilterOverhead = 24;
constexpr int kChunksPerThread = 32;

}  // namespace

void filter_norm_l1_rows_cpu(const float* p, int64_t n, int32_t len, float divisor, const float* end, float* l1,
                             float* importance, FilterNormIsa isa) {
  filter_rows(p, n, len, divisor, end, l1, importance,
              isa == FilterNormIsa::kBest && kernels::cpu::avx2::cpu_has_avx2_fma());
}

void filter_norm_l1_cpu(const FilterTable& table, const float* arena, float* l1, float* importance,
                        FilterNormIsa isa) {
  // The AVX2 loop reads faster than the portable one (BM_filter_norm_cpu; benchmarks/RESULTS.md).
  const bool avx2 = isa == FilterNormIsa::kBest && kernels::cpu::avx2::cpu_has_avx2_fma();
  const FilterTableLayers& L = table.layers();
  const FilterTableFilters& F = table.filters();
  const int64_t n_filters = table.n_filters();
  if (n_filters == 0) return;
  const int64_t total = F.element_prefix.back();
  const int max_threads = static_cast<int>(std::min<int64_t>(omp_get_max_threads(), total / 16384 + 1));
  // Chunks of contiguous filters holding equal shares of the work (BN scalars and 3x3 filters of
  // 64 channels differ 576x in elements), many per thread, taken from each thread's home range
  // first (reactivation/home_chunks.h): with one share per thread, the first thread to finish
  // waits for the other whenever the cores run unevenly, as a VM's virtual CPUs do; many small
  // chunks shrink that wait to the length of one chunk.
  const float* arena_end = arena + table.arena_numel();
  const auto work_before = [&](int64_t f) { return F.element_prefix[f] + kFilterOverhead * f; };
  const int64_t n_chunks = std::min<int64_t>(n_filters, int64_t{kChunksPerThread} * max_threads);
  const auto first_at = [&](int64_t i) {  // the first filter with work_before >= the chunk's start
    const int64_t target = work_before(n_filters) * i / n_chunks;
    int64_t lo = 0, hi = n_filters;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (work_before(mid) < target) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  std::vector<int64_t> chunk_begin(static_cast<size_t>(n_chunks) + 1, n_filters);
  for (int64_t c = 0; c < n_chunks; ++c) chunk_begin[static_cast<size_t>(c)] = first_at(c);
  const std::vector<int64_t> home = home_ranges(n_chunks, table.arena_numel(), max_threads, [&](int64_t c) {
    return F.offset[chunk_begin[static_cast<size_t>(c)]];
  });
  for_chunks_from_home(home, [&](int64_t chunk, int) {
    const int64_t begin = chunk_begin[static_cast<size_t>(chunk)];
    const int64_t end = chunk_begin[static_cast<size_t>(chunk) + 1];
    // Walk the range layer by layer so the per-layer constants stay in registers.
    for (int64_t f = begin; f < end;) {
      const int32_t layer = F.layer[f];
      const int64_t seg_end = std::min<int64_t>(end, L.first_filter[layer + 1]);
      filter_rows(arena + F.offset[f], seg_end - f, L.filter_len[layer], L.divisor[layer], arena_end, l1 + f,
                  importance + f, avx2);
      f = seg_end;
    }
  });
}

}  // namespace revive
