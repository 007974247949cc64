// The vector loops of Filter Grafting's CPU path over runs of floats, in GCC vector extensions (SSE
// on x86-64, NEON elsewhere) as reactivation/filter_norms.cpp writes its own.
#include <omp.h>

#include <cstring>
#include <limits>

#include "kernels/cpu/avx2/cpu_features.h"
#include "kernels/cpu/avx512/cpu_features.h"
#include "reactivation/fg/cpu/avx2/fg_rows_avx2.h"
#include "reactivation/fg/cpu/avx512/fg_rows_avx512.h"
#include "reactivation/fg/cpu/fg_cpu_parts.h"
#include "reactivation/filter_norms.h"

namespace revive::fg_cpu {
namespace {

using Float4 = float __attribute__((vector_size(16)));
using Int4 = int32_t __attribute__((vector_size(16)));

inline Float4 load4(const float* p) {
  Float4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

bool use_avx512(FgIsa isa) { return isa == FgIsa::kBest && kernels::cpu::avx512::cpu_has_avx512(); }
bool use_avx2(FgIsa isa) { return isa != FgIsa::kPortable && kernels::cpu::avx2::cpu_has_avx2_fma(); }

}  // namespace

namespace {

// r folded with x[from, n) one element at a time (the vector loops' tail).
MinMax min_max_tail(MinMax r, const float* x, int64_t from, int64_t n) {
  for (int64_t i = from; i < n; ++i) {
    r.lo = nan_min(r.lo, x[i]);
    r.hi = nan_max(r.hi, x[i]);
  }
  return r;
}

constexpr MinMax kNanMinMax{std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::quiet_NaN()};

}  // namespace

MinMax min_max(const float* x, int64_t n, FgIsa isa) {
  MinMax r{x[0], x[0]};
  int64_t i = 0;
  if (use_avx512(isa) && n >= 16) {
    bool nan = false;
    i = n / 16 * 16;
    kernels::cpu::avx512::fg_min_max(x, i, &r.lo, &r.hi, &nan);
    if (nan) return kNanMinMax;
  } else if (use_avx2(isa) && n >= 8) {
    bool nan = false;
    i = n / 8 * 8;
    kernels::cpu::avx2::fg_min_max(x, i, &r.lo, &r.hi, &nan);
    if (nan) return kNanMinMax;
  } else {
    Float4 lo = Float4{} + x[0], hi = lo;
    Int4 nan{};
    for (; i + 4 <= n; i += 4) {
      const Float4 v = load4(x + i);
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
      nan |= v != v;
    }
    if (nan[0] | nan[1] | nan[2] | nan[3]) return kNanMinMax;
    for (int l = 0; l < 4; ++l) {
      r.lo = nan_min(r.lo, lo[l]);
      r.hi = nan_max(r.hi, hi[l]);
    }
  }
  return min_max_tail(r, x, i, n);
}

void bin_counts(const float* x, int64_t n, const float* edges, int64_t* counts, FgIsa isa, const float* side,
                int64_t side_n, MinMax* side_mm) {
  const bool binned = edges[0] == edges[0];
  int64_t i = 0;
  if (binned && use_avx512(isa) && side_n >= 16) {
    i = n / 16 * 16;
    const int64_t j = side_n / 16 * 16;
    MinMax r{};
    bool nan = false;
    kernels::cpu::avx512::fg_bin_counts(x, i, edges, counts, side, j, &r.lo, &r.hi, &nan);
    *side_mm = nan ? kNanMinMax : min_max_tail(r, side, j, side_n);
  } else {
    if (side_n > 0) *side_mm = min_max(side, side_n, isa);
    if (!binned) return;
    if (use_avx512(isa)) {
      i = n / 16 * 16;
      kernels::cpu::avx512::fg_bin_counts(x, i, edges, counts, nullptr, 0, nullptr, nullptr, nullptr);
    } else {
      int64_t c[kEntropyBins + 1] = {};  // c[j]: elements at or above edge j
      if (use_avx2(isa)) {
        i = n / 8 * 8;
        kernels::cpu::avx2::fg_edge_counts(x, i, edges, c);
      } else {
        Float4 e[kEntropyBins + 1];
        for (int j = 0; j <= kEntropyBins; ++j) e[j] = Float4{} + edges[j];
        Int4 at_or_above[kEntropyBins + 1] = {};  // lane sums of -[x >= edge j]
        for (; i + 4 <= n; i += 4) {
          const Float4 v = load4(x + i);
          for (int j = 0; j <= kEntropyBins; ++j) at_or_above[j] += v >= e[j];
        }
        for (int j = 0; j <= kEntropyBins; ++j)
          for (int l = 0; l < 4; ++l) c[j] -= at_or_above[j][l];
      }
      for (int b = 0; b < kEntropyBins; ++b) counts[b] += c[b] - c[b + 1];
    }
  }
  for (; i < n; ++i) {
    const int b = entropy_bin(x[i], edges);
    if (b < kEntropyBins) ++counts[b];
  }
}

void blend_ring(float* const* x, int n, int64_t len, const FgBlendWeights* w, FgIsa isa) {
  static_assert(sizeof(FgBlendWeights) == 2 * sizeof(float), "the AVX-512 loop reads {self, scion} pairs");
  int64_t i = 0;
  if (use_avx512(isa)) {
    kernels::cpu::avx512::fg_blend_ring(x, n, len, &w[0].self);
    return;
  }
  // Every network's vector is read before it is written, its predecessor's carried in a register.
  for (; i + 4 <= len; i += 4) {
    Float4 prev = load4(x[n - 1] + i);
    for (int k = 0; k < n; ++k) {
      const Float4 cur = load4(x[k] + i);
      if (w[k].scion != 0.0f) {  // else fg_blend keeps x
        const Float4 y = cur * w[k].self + prev * w[k].scion;
        std::memcpy(x[k] + i, &y, sizeof y);
      }
      prev = cur;
    }
  }
  for (; i < len; ++i) {
    float prev = x[n - 1][i];
    for (int k = 0; k < n; ++k) {
      const float cur = x[k][i];
      x[k][i] = fg_blend(cur, prev, w[k]);
      prev = cur;
    }
  }
}

namespace {

template <class T, class Blend>
void buffer_ring(void* const* buffers, int n, int64_t numel, const FgBlendWeights* w, Blend blend) {
  for (int64_t i = 0; i < numel; ++i) {
    T prev = static_cast<T*>(buffers[n - 1])[i];
    for (int k = 0; k < n; ++k) {
      T& x = static_cast<T*>(buffers[k])[i];
      const T cur = x;
      x = blend(cur, prev, w[k]);
      prev = cur;
    }
  }
}

}  // namespace

void blend_buffer_ring(void* const* buffers, int n, DType dtype, int64_t numel, const FgBlendWeights* w) {
  switch (dtype) {
    case DType::kFloat32: {  // the arena's vector loops, which blend as fg_blend does
      float* x[kFgMaxModels];
      for (int k = 0; k < n; ++k) x[k] = static_cast<float*>(buffers[k]);
      blend_ring(x, n, numel, w);
      break;
    }
    case DType::kInt64: buffer_ring<int64_t>(buffers, n, numel, w, fg_blend_counter); break;
    case DType::kInt32:
      buffer_ring<int32_t>(buffers, n, numel, w, [](int32_t x, int32_t s, FgBlendWeights wk) {
        return static_cast<int32_t>(fg_blend_counter(x, s, wk));
      });
      break;
  }
}

void filter_norms(const FgLayout& layout, const std::vector<FgNetwork>& nets, std::vector<float>& l1) {
  const int64_t n_filters = layout.n_filters();
  const int n_groups = layout.n_groups();
  l1.resize(static_cast<size_t>(n_filters) * nets.size());
  const int tasks = n_groups * static_cast<int>(nets.size());
#pragma omp parallel for schedule(dynamic)
  for (int t = 0; t < tasks; ++t) {
    const size_t m = static_cast<size_t>(t / n_groups);
    const FgGroup& g = layout.groups()[static_cast<size_t>(t % n_groups)];
    float* out = l1.data() + m * static_cast<size_t>(n_filters) + g.first_filter;
    filter_norm_l1_rows_cpu(nets[m].arena + g.offset, g.n_filters, g.filter_len, 1.0f,
                            nets[m].arena + layout.arena_numel(), out, out);
  }
}

}  // namespace revive::fg_cpu
