// External scions on the CPU: the wave pipeline of reactivation/fg/fg_cpu.h, stages (a)-(d), and the
// buffers' blend.
#include <omp.h>

#include <algorithm>

#include "core/dtype.h"
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
  const auto push_wave = [&](int group_begin, int group_end, int model) {
    Wave w;
    w.group_begin = group_begin;
    w.group_end = group_end;
    w.chunk_begin = L.group_chunk_begin()[static_cast<size_t>(group_begin)];
    w.chunk_end = L.group_chunk_begin()[static_cast<size_t>(group_end)];
    w.block_begin = group_block_begin[static_cast<size_t>(group_begin)];
    w.block_end = group_block_begin[static_cast<size_t>(group_end)];
    w.model = model;
    s.waves.push_back(w);
  };
  int begin = 0;
  int64_t bytes = 0;
  for (int g = 0; g < L.n_groups(); ++g) {
    int64_t elements = 0;
    for (int b = group_block_begin[static_cast<size_t>(g)]; b < group_block_begin[static_cast<size_t>(g) + 1]; ++b)
      elements += s.blocks[static_cast<size_t>(b)].len;
    const int64_t group_bytes = elements * n_models * static_cast<int64_t>(sizeof(float));
    if (n_models > 1 && group_bytes > budget) {  // one wave per network (Wave)
      if (begin < g) push_wave(begin, g, -1);
      for (int m = 0; m < n_models; ++m) push_wave(g, g + 1, m);
      begin = g + 1;
      bytes = 0;
      continue;
    }
    bytes += group_bytes;
    if (bytes >= budget || g + 1 == L.n_groups()) {
      push_wave(begin, g + 1, -1);
      begin = g + 1;
      bytes = 0;
    }
  }
  s.stats.assign(L.chunks().size() * static_cast<size_t>(n_models), ChunkStats{});
  s.weights.assign(static_cast<size_t>(L.n_groups()) * static_cast<size_t>(n_models), FgBlendWeights{});
  s.bins.assign(static_cast<size_t>(s.n_threads) * static_cast<size_t>(n_models) * kEntropyBins, 0);
  s.skipped.assign(static_cast<size_t>(s.n_threads), 0);
  s.l1.assign(static_cast<size_t>(L.n_filters()) * static_cast<size_t>(n_models), 0.0f);
  const size_t per_thread = static_cast<size_t>(s.n_threads) * static_cast<size_t>(n_models);
  s.rows.assign(per_thread, nullptr);
  s.buffers.assign(per_thread, nullptr);
  s.thread_weights.assign(per_thread, FgBlendWeights{});
}

namespace {

// Thread t's share [begin, end) of `count` tasks split evenly over `threads` (the first ones take
// one more).
struct Range {
  int begin, end;
};
Range share(int count, int threads, int t) {
  const int base = count / threads, extra = count % threads;
  const int begin = t * base + std::min(t, extra);
  return {begin, begin + base + (t < extra ? 1 : 0)};
}

// A chunk's conv weights in one network's arena.
struct Run {
  const float* x;
  int64_t n;
};
Run chunk_run(const FgLayout& L, const FgNetwork& net, const FgChunk& c) {
  const FgGroup& g = L.groups()[static_cast<size_t>(c.group)];
  return {net.arena + g.offset + static_cast<int64_t>(c.filter_begin) * g.filter_len,
          static_cast<int64_t>(c.filter_end - c.filter_begin) * g.filter_len};
}

// A chunk's min/max, with its counts cleared for stage (b).
void set_min_max(MinMax mm, ChunkStats& out) {
  out.lo = mm.lo;
  out.hi = mm.hi;
  std::fill(out.counts, out.counts + kEntropyBins, int64_t{0});
}

// Stage (a): what the criterion needs of the chunk, its filters' L1 norms or its min/max.
void chunk_stats(const FgLayout& L, const FgNetwork& net, const FgChunk& c, bool entropy, float* l1,
                 ChunkStats& out) {
  const Run run = chunk_run(L, net, c);
  if (!entropy) {
    const FgGroup& g = L.groups()[static_cast<size_t>(c.group)];
    float* dst = l1 + g.first_filter + c.filter_begin;
    filter_norm_l1_rows_cpu(run.x, c.filter_end - c.filter_begin, g.filter_len, 1.0f, net.arena + L.arena_numel(),
                            dst, dst);
    return;
  }
  set_min_max(min_max(run.x, run.n), out);
}

// Stage (b): the chunk's bin counts under its group's range (folded from the group's chunks), and
// in the same loop stage (a) of `ahead` (a chunk of the next wave) into ahead_out.
void chunk_bins(const FgLayout& L, const FgNetwork& net, const FgChunk& c, const ChunkStats* group_stats,
                int n_group_chunks, Run ahead, ChunkStats& out, ChunkStats* ahead_out) {
  float lo = group_stats[0].lo, hi = group_stats[0].hi;
  for (int i = 1; i < n_group_chunks; ++i) {
    lo = nan_min(lo, group_stats[i].lo);
    hi = nan_max(hi, group_stats[i].hi);
  }
  float edges[kEntropyBins + 1];
  entropy_bin_edges(lo, hi, edges);
  const Run run = chunk_run(L, net, c);
  MinMax mm{};
  bin_counts(run.x, run.n, edges, out.counts, FgIsa::kBest, ahead.x, ahead.n, &mm);
  if (ahead_out != nullptr) set_min_max(mm, *ahead_out);
}

// Stage (c) for group g: criteria, alphas and blend weights of every network, with `bins` (N
// networks' counts) as scratch; returns the alphas skipped.
int64_t coefficients(const FgLayout& L, const FgOptions& o, int g, FgCpuScratch::Impl& s, int64_t* bins, FgReport& r) {
  const size_t n_chunks = L.chunks().size();
  std::fill(bins, bins + static_cast<size_t>(s.n_models) * kEntropyBins, int64_t{0});
  for (size_t m = 0; m < static_cast<size_t>(s.n_models); ++m)
    for (int c = L.group_chunk_begin()[static_cast<size_t>(g)]; c < L.group_chunk_begin()[static_cast<size_t>(g) + 1]; ++c)
      for (int b = 0; b < kEntropyBins; ++b) bins[m * kEntropyBins + b] += s.stats[m * n_chunks + static_cast<size_t>(c)].counts[b];
  return fg_group_coefficients(L, o, g, bins, s.l1.data(), r, s.weights.data());
}

}  // namespace

void external_step(const FgLayout& L, const std::vector<FgNetwork>& nets, const FgOptions& o, FgCpuScratch::Impl& s,
                   FgReport& r) {
  plan(L, o.models, s);
  const int n = o.models;
  const size_t n_chunks = L.chunks().size(), n_groups = static_cast<size_t>(L.n_groups());
  const bool entropy = o.criterion == FgCriterion::kEntropy;
  const int n_buffers = static_cast<int>(L.buffers().size());
  // Task t of a wave is network t % n of the wave's chunk t / n: chunk-major, so a thread's share of
  // the tasks is a run of chunks of every network, the arena range it then blends in (d) from its
  // own cache. The split is by thread number, the same in (a), (b) and (d), for any thread count.
  // A one-network wave's task t is its chunk t.
  const auto task_chunk = [&](const Wave& w, int t) {
    return static_cast<size_t>(w.chunk_begin + (w.model < 0 ? t / n : t));
  };
  const auto task_model = [&](const Wave& w, int t) { return static_cast<size_t>(w.model < 0 ? t % n : w.model); };
  const auto tasks_of = [&](const Wave& w) { return (w.chunk_end - w.chunk_begin) * (w.model < 0 ? n : 1); };
  // Thread t's share of wave w's tasks: about 1/threads of the wave's elements, as its chunks differ
  // in size (the groups' filters do), so that the threads reach the barrier after (b) together. A
  // task goes to the thread whose part of the elements holds its middle.
  const auto wave_share = [&](const Wave& w, int threads, int t) {
    const int tasks = tasks_of(w);
    const auto size = [&](int k) { return chunk_run(L, nets[0], L.chunks()[task_chunk(w, k)]).n; };
    int64_t total = 0;
    for (int k = 0; k < tasks; ++k) total += size(k);
    Range out{tasks, tasks};
    int64_t before = 0;
    for (int k = 0; k < tasks; ++k) {
      const int64_t owner = std::min<int64_t>(threads - 1, (2 * before + size(k)) * threads / (2 * total));
      if (owner >= t && out.begin == tasks) out.begin = k;
      if (owner > t) {
        out.end = k;
        break;
      }
      before += size(k);
    }
    return out;
  };
  // The first block of the arena range of thread `t` of `threads` in wave w: the block where the
  // thread's first chunk starts (blocks ascend in the arena). The running maximum over the threads
  // before it keeps the ranges a partition of the wave's blocks whatever order the chunks' offsets
  // take.
  const auto first_block = [&](const Wave& w, int threads, int t) {
    int first = w.block_begin;
    for (int u = 1; u <= t; ++u) {
      const int task = wave_share(w, threads, u).begin;
      if (task >= tasks_of(w)) return w.block_end;
      const int64_t begin = chunk_run(L, nets[0], L.chunks()[task_chunk(w, task)]).x - nets[0].arena;
      const auto it = std::lower_bound(s.blocks.begin() + w.block_begin, s.blocks.begin() + w.block_end, begin,
                                       [](const Block& b, int64_t at) { return b.begin < at; });
      first = std::max(first, static_cast<int>(it - s.blocks.begin()));
    }
    return first;
  };
  std::fill(s.skipped.begin(), s.skipped.end(), int64_t{0});  // a smaller team leaves some alone
#pragma omp parallel num_threads(s.n_threads)
  {
    const int threads = omp_get_num_threads(), self = omp_get_thread_num();
    float** rows = s.rows.data() + static_cast<size_t>(self) * static_cast<size_t>(n);
    FgBlendWeights* w = s.thread_weights.data() + static_cast<size_t>(self) * static_cast<size_t>(n);
    int64_t* bins = s.bins.data() + static_cast<size_t>(self) * static_cast<size_t>(n) * kEntropyBins;
    int64_t skipped = 0;
    for (size_t wi = 0; wi < s.waves.size(); ++wi) {
      const Wave& wave = s.waves[wi];
      const Range mine = wave_share(wave, threads, self);
      const auto stats_of = [&](const Wave& at, int t) {
        const size_t m = task_model(at, t), c = task_chunk(at, t);
        float* l1 = s.l1.data() + m * static_cast<size_t>(L.n_filters());
        chunk_stats(L, nets[m], L.chunks()[c], entropy, l1, s.stats[m * n_chunks + c]);
      };
      if (!entropy || wi == 0) {  // else the previous wave's (b) did it
        for (int t = mine.begin; t < mine.end; ++t) stats_of(wave, t);
#pragma omp barrier
      }
      if (entropy) {
        // While binning the chunks it read in (a), a thread runs (a) on its share of the next wave,
        // task for task (the same share it then bins), the tasks left over after.
        const Wave* next = wi + 1 < s.waves.size() ? &s.waves[wi + 1] : nullptr;
        const Range ahead = next ? wave_share(*next, threads, self) : Range{0, 0};
        for (int t = mine.begin; t < mine.end; ++t) {
          const size_t m = task_model(wave, t), c = task_chunk(wave, t);
          const int g = L.chunks()[c].group;
          const int first = L.group_chunk_begin()[static_cast<size_t>(g)];
          const int a = ahead.begin + (t - mine.begin);
          Run side{nullptr, 0};
          ChunkStats* side_out = nullptr;
          if (a < ahead.end) {
            const size_t am = task_model(*next, a), ac = task_chunk(*next, a);
            side = chunk_run(L, nets[am], L.chunks()[ac]);
            side_out = &s.stats[am * n_chunks + ac];
          }
          chunk_bins(L, nets[m], L.chunks()[c], s.stats.data() + m * n_chunks + static_cast<size_t>(first),
                     L.group_chunk_begin()[static_cast<size_t>(g) + 1] - first, side, s.stats[m * n_chunks + c],
                     side_out);
        }
        for (int a = ahead.begin + (mine.end - mine.begin); a < ahead.end; ++a) stats_of(*next, a);
#pragma omp barrier
      }
      if (wave.model >= 0 && wave.model + 1 < n) continue;  // the group's last network blends it
      // Each thread takes some of the wave's groups (they write distinct entries of r).
#pragma omp for schedule(static)
      for (int g = wave.group_begin; g < wave.group_end; ++g) skipped += coefficients(L, o, g, s, bins, r);
      // No barrier after (d): the next wave reads other groups' weights.
      const int block_end = first_block(wave, threads, self + 1);
      for (int b = first_block(wave, threads, self); b < block_end; ++b) {
        const Block& block = s.blocks[static_cast<size_t>(b)];
        for (size_t m = 0; m < static_cast<size_t>(n); ++m) {
          w[m] = s.weights[m * n_groups + static_cast<size_t>(block.group)];
          rows[m] = nets[m].arena + block.begin;
        }
        blend_ring(rows, n, block.len, w);
      }
    }
    s.skipped[static_cast<size_t>(self)] = skipped;
    // The buffers after every wave's coefficients (the last stage (c)'s barrier). Each is a small
    // allocation of its own: a thread asks for every line of its share first, so that their cache
    // misses overlap rather than follow one another.
    void** buffers = s.buffers.data() + static_cast<size_t>(self) * static_cast<size_t>(n);
    const Range own = share(n_buffers, threads, self);
    for (int b = own.begin; b < own.end; ++b) {
      const FgTensor& t = L.tensors()[static_cast<size_t>(L.buffers()[static_cast<size_t>(b)])];
      if (t.group < 0) continue;
      const int64_t bytes = t.numel * static_cast<int64_t>(dtype_size(t.dtype));
      for (int m = 0; m < n; ++m)
        for (int64_t at = 0; at < bytes; at += 64)
          __builtin_prefetch(static_cast<char*>(nets[static_cast<size_t>(m)].buffers[static_cast<size_t>(b)]) + at, 1);
    }
    for (int b = own.begin; b < own.end; ++b) {
      const FgTensor& t = L.tensors()[static_cast<size_t>(L.buffers()[static_cast<size_t>(b)])];
      if (t.group < 0 || t.numel == 0) continue;
      for (int m = 0; m < n; ++m) {
        buffers[m] = nets[static_cast<size_t>(m)].buffers[static_cast<size_t>(b)];
        w[m] = s.weights[static_cast<size_t>(m) * n_groups + static_cast<size_t>(t.group)];
      }
      blend_buffer_ring(buffers, n, t.dtype, t.numel, w);
    }
  }
  for (int t = 0; t < s.n_threads; ++t) r.skipped += s.skipped[static_cast<size_t>(t)];
}

}  // namespace revive::fg_cpu
