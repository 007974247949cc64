// What the files of reactivation/fg/cpu share: the step's plan and scratch (FgCpuScratch::Impl), the
// vector loops over runs of floats, and the steps of each variant.
#pragma once

#include <cstdint>
#include <vector>

#include "reactivation/fg/fg_cpu.h"
#include "reactivation/fg/fg_math.h"

namespace revive {
namespace fg_cpu {

// Elements of a block of the arena in stage (d) (the layout's chunks are stages (a)-(b)'s units).
constexpr int64_t kBlockElements = 2048;
// A wave's data (N networks' share of its groups) per thread: what stays in a core's L2 cache
// between the stages that read it, beside the next wave's, which stage (b) reads for its (a) (two
// waves fill a 1 MiB L2). Smaller waves would cost more barriers (two or three a wave).
constexpr int64_t kWaveBytesPerThread = int64_t{1} << 19;

struct Block {
  int64_t begin = 0, len = 0;  // arena elements
  int32_t group = 0;
};

// A wave's stages (a)-(b) read every network's share of its groups, chunk-major, unless the wave is
// one network's part of a group larger than a wave (`model` >= 0): that group's N networks would not
// stay in L2 between the stages, one network's part may, so its min/max and bin passes run one network
// at a time (only (a) and (d) then read the group from L3), and the last network's wave blends it.
struct Wave {
  int group_begin = 0, group_end = 0;
  int chunk_begin = 0, chunk_end = 0;
  int block_begin = 0, block_end = 0;
  int model = -1;
};

struct ChunkStats {
  float lo = 0, hi = 0;
  int64_t counts[kEntropyBins] = {};
};

// kBest takes the AVX-512 loops where the CPU has them, else the AVX2 ones, else the portable ones;
// kAvx2 the AVX2 ones where the CPU has them; kPortable the portable ones (for tests: all give the
// same values).
enum class FgIsa { kBest, kAvx2, kPortable };

// nan_min/nan_max over x[0, n), n >= 1: NaN when any element is NaN.
struct MinMax {
  float lo, hi;
};
MinMax min_max(const float* x, int64_t n, FgIsa isa = FgIsa::kBest);

// counts[b] += the number of x[i] whose entropy_bin is b, for b < kEntropyBins. Counted as the number of
// elements at or above each edge (C_j), hist_b = C_b - C_{b+1}: the same comparisons entropy_bin makes
// (with a NaN first edge nothing is counted, as entropy_bin puts nothing in a bin then); the AVX-512
// loop estimates each element's bin from its offset and keeps it where the bin's two edges agree,
// so every loop gives entropy_bin's counts. Where side_n > 0, also *side_mm = min_max(side, side_n):
// the pipeline's next wave, whose loads from L3 the AVX-512 loop overlaps with this compute-bound
// counting (the other loops take it after).
void bin_counts(const float* x, int64_t n, const float* edges, int64_t* counts, FgIsa isa = FgIsa::kBest,
                const float* side = nullptr, int64_t side_n = 0, MinMax* side_mm = nullptr);

// Runs x[0..n) of len floats, one per network (the same elements of each arena): run k <-
// fg_blend(k, k-1, w[k]) (run n-1 for k = 0), all from pre-graft values.
void blend_ring(float* const* x, int n, int64_t len, const FgBlendWeights* w, FgIsa isa = FgIsa::kBest);

// The same for one buffer of every network, float or integer (grafting.py's truncating blend).
void blend_buffer_ring(void* const* buffers, int n, DType dtype, int64_t numel, const FgBlendWeights* w);

// Every conv filter's plain L1 norm of every network into l1[m * n_filters + f] (the variants'
// first pass; the external pipeline computes them in its stage (a)).
void filter_norms(const FgLayout& layout, const std::vector<FgNetwork>& nets, std::vector<float>& l1);

}  // namespace fg_cpu

struct FgCpuScratch::Impl {
  // The plan, for this layout and network count.
  const FgLayout* layout = nullptr;
  int64_t layout_filters = -1;
  int n_models = 0;
  std::vector<fg_cpu::Block> blocks;
  std::vector<fg_cpu::Wave> waves;
  int n_threads = 1;
  // Per step.
  std::vector<float> l1;                    // [model][filter]
  std::vector<fg_cpu::ChunkStats> stats;    // [model][chunk]
  std::vector<FgBlendWeights> weights;      // [model][group]
  std::vector<int64_t> bins;                // [thread][model][bin]: stage (c)'s counts of one group
  std::vector<int64_t> skipped;             // [thread]: stage (c)'s skipped alphas
  // Each thread's row pointers and weights of the N networks: [thread][model].
  std::vector<float*> rows;
  std::vector<void*> buffers;
  std::vector<FgBlendWeights> thread_weights;
};

namespace fg_cpu {

void plan(const FgLayout& layout, int n_models, FgCpuScratch::Impl& s);

void external_step(const FgLayout& layout, const std::vector<FgNetwork>& nets, const FgOptions& o,
                   FgCpuScratch::Impl& s, FgReport& r);
void noise_step(const FgLayout& layout, const std::vector<FgNetwork>& nets, const FgOptions& o, int epoch,
                uint64_t seed, const std::vector<float>& l1, FgReport& r);
void internal_step(const FgLayout& layout, const std::vector<FgNetwork>& nets, const FgOptions& o,
                   const std::vector<float>& l1, FgReport& r);
void filter_step(const FgLayout& layout, const std::vector<FgNetwork>& nets, FgReport& r);

}  // namespace fg_cpu
}  // namespace revive
