// External scions on the CPU: the wave pipeline of reactivation/fg/fg_cpu.h, stages (a)-(d), and the
// buffers' blend.
#include <omp.h>

#include <algorithm>

#include "reactivation/fg/cpu/fg_cpu_parts.h"
#include "reactivation/fg/fg_coefficient.h"
#include "reactivation/filter_norms.h"

namespace revive::fg_cpu {

void plan(const FgLayout& L, int n_models, FgCpuScratch::Impl& s) {
  if (s.layout == &L && s.layout_filters == L.n_filters() && s.n_models == n_models) return;
  s.layout = &L;
  s.layout_filters = L.n_filters();
  s.n_models = n_models;
  s.blocks.clear();
  for (const FgSegment& seg : L.segments()) {
    for (int64_t b = seg.begin; b < seg.end; b += kBlockElements)
      s.blocks.push_back({b, std::min(kBlockElements, seg.end - b), seg.group});
  }
  // Segments come in group order, so each group's blocks are consecutive.
  std::vector<int> group_block_begin(static_cast<size_t>(L.n_groups()) + 1);
  for (int g = 0, b = 0; g <= L.n_groups(); ++g) {
    while (b < static_cast<int>(s.blocks.size()) && s.blocks[static_cast<size_t>(b)].group < g) ++b;
    group_block_begin[static_cast<size_t>(g)] = b;
  }

  s.n_threads = std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(L.chunks().size())));
  const int64_t budget = kWaveBytesPerThread * s.n_threads;
  s.waves.clear();
  Wave w;
  int64_t bytes = 0;
  for (int g = 0; g < L.n_groups(); ++g) {
    int64_t elements = 0;
    for (int b = group_block_begin[static_cast<size_t>(g)]; b < group_block_begin[static_cast<size_t>(g) + 1]; ++b)
      elements += s.blocks[static_cast<size_t>(b)].len;
    bytes += elements * n_models * static_cast<int64_t>(sizeof(float));
    w.group_end = g + 1;
    if (bytes >= budget || g + 1 == L.n_groups()) {
      w.chunk_begin = L.group_chunk_begin()[static_cast<size_t>(w.group_begin)];
      w.chunk_end = L.group_chunk_begin()[static_cast<size_t>(w.group_end)];
      w.block_begin = group_block_begin[static_cast<size_t>(w.group_begin)];
      w.block_end = group_block_begin[static_cast<size_t>(w.group_end)];
      s.waves.push_back(w);
      w.group_begin = g + 1;
      bytes = 0;
    }
  }
  s.stats.assign(L.chunks().size() * static_cast<size_t>(n_models), ChunkStats{});
  s.weights.assign(static_cast<size_t>(L.n_groups()) * static_cast<size_t>(n_models), FgBlendWeights{});
  s.l1.assign(static_cast<size_t>(L.n_filters()) * static_cast<size_t>(n_models), 0.0f);
}

namespace {

// Stage (a): what the criterion needs of the chunk, its filters' L1 norms or its min/max.
void chunk_stats(const FgLayout& L, const FgNetwork& net, const FgChunk& c, bool entropy, float* l1,
                 ChunkStats& out) {
  const FgGroup& g = L.groups()[static_cast<size_t>(c.group)];
  const float* p = net.arena + g.offset + static_cast<int64_t>(c.filter_begin) * g.filter_len;
  const int64_t n_filters = c.filter_end - c.filter_begin;
  if (!entropy) {
    float* dst = l1 + g.first_filter + c.filter_begin;
    filter_norm_l1_rows_cpu(p, n_filters, g.filter_len, 1.0f, net.arena + L.arena_numel(), dst, dst);
    return;
  }
  const MinMax mm = min_max(p, n_filters * g.filter_len);
  out.lo = mm.lo;
  out.hi = mm.hi;
  std::fill(out.counts, out.counts + kEntropyBins, int64_t{0});
}

// Stage (b): the chunk's bin counts under its group's range (folded from the group's chunks).
void chunk_bins(const FgLayout& L, const FgNetwork& net, const FgChunk& c, const ChunkStats* group_stats,
                int n_group_chunks, ChunkStats& out) {
  float lo = group_stats[0].lo, hi = group_stats[0].hi;
  for (int i = 1; i < n_group_chunks; ++i) {
    lo = nan_min(lo, group_stats[i].lo);
    hi = nan_max(hi, group_stats[i].hi);
  }
  float edges[kEntropyBins + 1];
  entropy_bin_edges(lo, hi, edges);
  const FgGroup& g = L.groups()[static_cast<size_t>(c.group)];
  const float* p = net.arena + g.offset + static_cast<int64_t>(c.filter_begin) * g.filter_len;
  bin_counts(p, static_cast<int64_t>(c.filter_end - c.filter_begin) * g.filter_len, edges, out.counts);
}

// Stage (c) for groups [begin, end): criteria, alphas and blend weights of every network.
void coefficients(const FgLayout& L, const FgOptions& o, int group_begin, int group_end, FgCpuScratch::Impl& s,
                  FgReport& r) {
  const size_t n_chunks = L.chunks().size();
  std::vector<int64_t> bins(static_cast<size_t>(s.n_models) * kEntropyBins);
  for (int g = group_begin; g < group_end; ++g) {
    std::fill(bins.begin(), bins.end(), int64_t{0});
    for (size_t m = 0; m < static_cast<size_t>(s.n_models); ++m)
      for (int c = L.group_chunk_begin()[static_cast<size_t>(g)]; c < L.group_chunk_begin()[static_cast<size_t>(g) + 1]; ++c)
        for (int b = 0; b < kEntropyBins; ++b) bins[m * kEntropyBins + b] += s.stats[m * n_chunks + static_cast<size_t>(c)].counts[b];
    fg_group_coefficients(L, o, g, bins.data(), s.l1.data(), r, s.weights.data());
  }
}

}  // namespace

void external_step(const FgLayout& L, const std::vector<FgNetwork>& nets, const FgOptions& o, FgCpuScratch::Impl& s,
                   FgReport& r) {
  plan(L, o.models, s);
  const int n = o.models;
  const size_t n_chunks = L.chunks().size(), n_groups = static_cast<size_t>(L.n_groups());
  const bool entropy = o.criterion == FgCriterion::kEntropy;
  const int n_buffers = static_cast<int>(L.buffers().size());
#pragma omp parallel num_threads(s.n_threads)
  {
    std::vector<float*> rows(static_cast<size_t>(n));
    std::vector<FgBlendWeights> w(static_cast<size_t>(n));
    for (const Wave& wave : s.waves) {
      const int span = wave.chunk_end - wave.chunk_begin, tasks = span * n;
      // The same static split in (a) and (b): a thread bins the chunks it just read.
#pragma omp for schedule(static)
      for (int t = 0; t < tasks; ++t) {
        const size_t m = static_cast<size_t>(t / span), c = static_cast<size_t>(wave.chunk_begin + t % span);
        float* l1 = s.l1.data() + m * static_cast<size_t>(L.n_filters());
        chunk_stats(L, nets[m], L.chunks()[c], entropy, l1, s.stats[m * n_chunks + c]);
      }
      if (entropy) {
#pragma omp for schedule(static)
        for (int t = 0; t < tasks; ++t) {
          const size_t m = static_cast<size_t>(t / span), c = static_cast<size_t>(wave.chunk_begin + t % span);
          const int g = L.chunks()[c].group;
          const int first = L.group_chunk_begin()[static_cast<size_t>(g)];
          chunk_bins(L, nets[m], L.chunks()[c], s.stats.data() + m * n_chunks + static_cast<size_t>(first),
                     L.group_chunk_begin()[static_cast<size_t>(g) + 1] - first, s.stats[m * n_chunks + c]);
        }
      }
#pragma omp single
      coefficients(L, o, wave.group_begin, wave.group_end, s, r);
      // No barrier after (d): the next wave reads other groups' weights.
#pragma omp for schedule(static) nowait
      for (int b = wave.block_begin; b < wave.block_end; ++b) {
        const Block& block = s.blocks[static_cast<size_t>(b)];
        for (size_t m = 0; m < static_cast<size_t>(n); ++m) {
          w[m] = s.weights[m * n_groups + static_cast<size_t>(block.group)];
          rows[m] = nets[m].arena + block.begin;
        }
        blend_ring(rows.data(), n, block.len, w.data());
      }
    }
    // The buffers after every wave's coefficients (the last single's barrier).
    std::vector<void*> buffers(nets.size());
#pragma omp for schedule(dynamic)
    for (int b = 0; b < n_buffers; ++b) {
      const FgTensor& t = L.tensors()[static_cast<size_t>(L.buffers()[static_cast<size_t>(b)])];
      if (t.group < 0 || t.numel == 0) continue;
      for (int m = 0; m < n; ++m) {
        buffers[static_cast<size_t>(m)] = nets[static_cast<size_t>(m)].buffers[static_cast<size_t>(b)];
        w[static_cast<size_t>(m)] = s.weights[static_cast<size_t>(m) * n_groups + static_cast<size_t>(t.group)];
      }
      blend_buffer_ring(buffers, t.dtype, t.numel, w.data());
    }
  }
}

}  // namespace revive::fg_cpu
