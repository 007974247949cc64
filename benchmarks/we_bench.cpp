// Weight Evolution on the CPU, stage by stage and whole (docs/weight-evolution.md), on the
// filter tables of benchmarks/reactivation_tables.h: resnet56, mobilenetv2 and big.
// BM_filter_norm_cpu reports GB/s read, BM_copy_cpu the memcpy bandwidth of the same bytes (read +
// written, STREAM's convention) to compare against; BM_we_thresholds_cpu the three pools'
// thresholds; BM_we_match_cpu the per-layer ordering on the step's own selections (one thread),
// BM_we_sort_cpu filters/s of it in its worst case; BM_we_crossover_cpu slices/s; BM_we_step_cpu
// the whole step in microseconds (mean, and the median and fastest single step and each stage's
// median as counters). The step restores the weights before each iteration, untimed, with the
// thread split of the SGD step, which leaves each thread's share in its core's caches as training
// does for these model sizes.
//
// On CUDA (skipped without a device): BM_we_step_cuda the whole step, we_apply_cuda, from the
// first launch to the counts on the host, with each sort of stage (d) (block: one block per layer
// on cub::BlockRadixSort; segmented: cub::DeviceSegmentedRadixSort), and the block-sort step
// replayed from a CUDA Graph (one launch) plus the counts' read-back.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/reactivation_tables.h"
#include "core/device.h"
#include "kernels/cuda_graph.h"
#include "kernels/device_runtime.h"
#include "reactivation/filter_norms.h"
#include "reactivation/we/we_cpu.h"
#include "reactivation/we/we_cuda.h"
#include "reactivation/we/we_select.h"

namespace revive {
namespace {

using K = ReactivatableKind;
using bench::min_of;
using bench::median;
using bench::model;
using bench::ModelTable;
using bench::restore_as_sgd_writes;

void BM_filter_norm_cpu(benchmark::State& state, const std::string& name) {
  ModelTable& m = model(name);
  std::vector<float> l1(static_cast<size_t>(m.table.n_filters())), imp(l1.size());
  for (auto _ : state) {
    filter_norm_l1_cpu(m.table, m.arena.data(), l1.data(), imp.data());
    benchmark::DoNotOptimize(imp.data());
  }
  const double bytes = 4.0 * static_cast<double>(m.table.n_elements());
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9 * static_cast<double>(state.iterations()),
                                              benchmark::Counter::kIsRate);
  state.counters["MB"] = bytes / 1e6;
}

void BM_copy_cpu(benchmark::State& state, const std::string& name) {
  ModelTable& m = model(name);
  std::vector<float> dst(m.arena.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), m.arena.data(), m.arena.size() * 4);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  const double bytes = 2.0 * 4.0 * static_cast<double>(m.arena.size());
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9 * static_cast<double>(state.iterations()),
                                              benchmark::Counter::kIsRate);
}

// Stage (d) for every layer with half of it inferior and no bound: the worst case of the ordering.
void BM_we_sort_cpu(benchmark::State& state, const std::string& name) {
  ModelTable& m = model(name);
  const FilterTableLayers& L = m.table.layers();
  std::vector<float> l1(static_cast<size_t>(m.table.n_filters())), imp(l1.size());
  filter_norm_l1_cpu(m.table, m.arena.data(), l1.data(), imp.data());
  std::vector<uint64_t> scratch;
  std::vector<int32_t> dominant(static_cast<size_t>(m.table.n_filters())), inferior(dominant.size());
  for (auto _ : state) {
    for (int l = 0; l < m.table.n_layers(); ++l) {
      WeLayerSelection sel;
      sel.n_filters = L.n_filters[l];
      sel.n_inferior = sel.n_filters / 2;
      sel.n_pairs = sel.n_inferior;
      we_match_layer(imp.data() + L.first_filter[l], L.n_filters[l], L.first_filter[l], sel, WeMatching::kForward,
                     scratch, dominant.data(), inferior.data());
    }
    benchmark::DoNotOptimize(inferior.data());
  }
  state.counters["filters/s"] = benchmark::Counter(
      static_cast<double>(m.table.n_filters()) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Stage (b) alone: the three pools' thresholds at the step's ranks (r = 0.88 r^ of the paper
// preset), on the keys of the model's importances, restored before each iteration (untimed).
void BM_we_thresholds_cpu(benchmark::State& state, const std::string& name) {
  ModelTable& m = model(name);
  const FilterTableLayers& L = m.table.layers();
  std::vector<float> l1(static_cast<size_t>(m.table.n_filters())), imp(l1.size());
  filter_norm_l1_cpu(m.table, m.arena.data(), l1.data(), imp.data());
  std::array<std::vector<uint32_t>, kNumReactivatableKinds> keys, work;
  for (int l = 0; l < m.table.n_layers(); ++l)
    for (int32_t f = L.first_filter[l]; f < L.first_filter[l + 1]; ++f)
      keys[static_cast<int>(L.kind[l])].push_back(magnitude_key(imp[f]));
  const WeReport plan = we_plan_step(m.table, m.arena.data(), m.numel, we_preset("paper"), 30, {0});
  for (auto _ : state) {
    std::array<WeThresholdPool, kNumReactivatableKinds> pools;
    for (int k = 0; k < kNumReactivatableKinds; ++k) {
      work[k] = keys[k];
      pools[k] = {work[k].data(), static_cast<int64_t>(work[k].size()), plan.pools[k].threshold_rank};
    }
    const auto t0 = std::chrono::steady_clock::now();
    we_global_thresholds(pools.data(), kNumReactivatableKinds);
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    benchmark::DoNotOptimize(pools.data());
  }
  state.counters["filters"] = static_cast<double>(m.table.n_filters());
}

// Stage (d) alone, one thread, on the selections the step makes (BM_we_step_cpu's epoch and
// preset): what the matching costs per filter when few are inferior, as in training.
void BM_we_match_cpu(benchmark::State& state, const std::string& name) {
  ModelTable& m = model(name);
  const FilterTableLayers& L = m.table.layers();
  std::vector<float> arena = m.arena;
  WeScratch s;
  WeState we_state;
  we_apply_cpu(m.table, arena.data(), m.numel, we_preset("paper"), 30, {0}, we_state, &s);
  std::vector<uint64_t> scratch;
  for (auto _ : state) {
    for (int l = 0; l < m.table.n_layers(); ++l)
      we_match_layer(s.importance.data() + L.first_filter[l], L.n_filters[l], L.first_filter[l], s.selection[l],
                     WeMatching::kForward, scratch, s.pairs.dominant.data() + s.pair_offset[l],
                     s.pairs.inferior.data() + s.pair_offset[l]);
    benchmark::DoNotOptimize(s.pairs.inferior.data());
  }
  state.counters["pairs"] = static_cast<double>(s.pairs.size());
}

// Stage (e) with the conv layers' pairs of a 5 % inferior set (about what r^ = 0.05 gives).
void BM_we_crossover_cpu(benchmark::State& state, const std::string& name) {
  ModelTable& m = model(name);
  const FilterTableLayers& L = m.table.layers();
  std::vector<float> l1(static_cast<size_t>(m.table.n_filters())), imp(l1.size());
  filter_norm_l1_cpu(m.table, m.arena.data(), l1.data(), imp.data());
  WePairs pairs;
  int64_t slices = 0;
  for (int l = 0; l < m.table.n_layers(); ++l) {
    if (L.kind[l] != K::kConvWeight) continue;
    const int32_t n = L.n_filters[l], c = std::max(1, n / 20);
    for (int32_t k = 0; k < c; ++k) {
      pairs.dominant.push_back(L.first_filter[l] + k);
      pairs.inferior.push_back(L.first_filter[l] + n - 1 - k);
      slices += L.n_slices[l];
    }
  }
  const WeOptions o = we_preset("paper");
  std::vector<float> arena = m.arena;
  for (auto _ : state) {
    std::array<WeCrossoverCounts, kNumReactivatableKinds> counts{};
    we_crossover_cpu(m.table, arena.data(), l1.data(), pairs, o, counts);
    benchmark::DoNotOptimize(arena.data());
  }
  state.counters["slices/s"] = benchmark::Counter(static_cast<double>(slices) * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
  state.counters["slices"] = static_cast<double>(slices);
}

void report_step(benchmark::State& state, const ModelTable& m, const WeReport& report) {
  int64_t pairs = 0, elements = 0;
  for (const auto& p : report.pools) {
    pairs += p.pairs;
    elements += p.crossover.updated_elements;
  }
  state.counters["pairs"] = static_cast<double>(pairs);
  state.counters["updated"] = static_cast<double>(elements);
  state.counters["filters"] = static_cast<double>(m.table.n_filters());
}

// The whole step after epoch 30 of a single stage (r = r^ sigmoid(2) = 0.88 r^), each iteration on
// the initial weights again (restored outside the timed region), with a fresh fallback state.
void BM_we_step_cpu(benchmark::State& state, const std::string& name, const std::string& preset) {
  ModelTable& m = model(name);
  const WeOptions o = we_preset(preset);
  // A tensor, as the model's parameter arena is, so that it sits on huge pages as in training (its
  // allocator advises them for large blocks; on this VM that measured no different from a
  // std::vector's pages, within the noise).
  const Tensor arena_tensor = Tensor::from_vector(m.arena, {m.numel});
  float* arena = arena_tensor.data<float>();
  WeScratch scratch;
  WeReport report;
  std::vector<double> step_seconds;
  std::array<std::vector<double>, kWeStageNames.size()> stage_us;
  for (auto _ : state) {
    restore_as_sgd_writes(arena, m.arena);
    WeState we_state;
    const auto t0 = std::chrono::steady_clock::now();
    report = we_apply_cpu(m.table, arena, m.numel, o, 30, {0}, we_state, &scratch);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(seconds);
    step_seconds.push_back(seconds);
    for (size_t i = 0; i < stage_us.size(); ++i) stage_us[i].push_back(report.stage_us[i]);
    benchmark::DoNotOptimize(arena);
  }
  report_step(state, m, report);
  // The mean above counts every stall of a shared machine in full; the median step is the typical
  // one and the fastest step the machine undisturbed.
  if (!step_seconds.empty()) {
    state.counters["median_us"] = median(step_seconds) * 1e6;
    state.counters["best_us"] = min_of(step_seconds) * 1e6;
    for (size_t i = 0; i < stage_us.size(); ++i)  // as WeReport::stage_us times them
      state.counters[std::string(kWeStageNames[i]) + "_us"] = median(stage_us[i]);
  }
  state.counters["Mparams"] = static_cast<double>(m.numel) * 1e-6;
}

// The step of BM_we_step_cpu on a CUDA arena, restored from a device copy before each iteration
// (untimed, the copy waited for), then timed to the counts on the host. With `graph`, the step is
// captured once in a CUDA Graph (after a warm-up step that loads the kernels) and each iteration
// replays it: one launch instead of a dozen.
void BM_we_step_cuda(benchmark::State& state, const std::string& name, const std::string& preset, WeCudaSort sort,
                     bool graph) {
  if (!cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  ModelTable& m = model(name);
  const WeOptions o = we_preset(preset);
  const Tensor start = Tensor::from_vector(m.arena, {m.numel}).to(Device::cuda());
  Tensor arena = start.clone();
  WeCudaWorkspace workspace(m.table, Device::cuda(), sort);
  const StreamHandle stream = kernels::current_stream(Device::cuda());
  const WeState initial;
  WeReport planned, report;
  std::unique_ptr<kernels::CudaGraph> captured;
  if (graph) {
    WeState warm_up = initial;
    we_apply_cuda(m.table, arena.data<float>(), m.numel, o, 30, {0}, warm_up, workspace, stream);
    captured = std::make_unique<kernels::CudaGraph>([&] {
      planned = we_enqueue_cuda(m.table, arena.data<float>(), m.numel, o, 30, {0}, initial, workspace, stream);
    });
  }
  for (auto _ : state) {
    arena.copy_from(start);
    kernels::synchronize(Device::cuda());
    WeState we_state = initial;
    const auto t0 = std::chrono::steady_clock::now();
    if (captured) {
      captured->replay();
      report = planned;
      we_finish_cuda(report, we_state, workspace, stream);
    } else {
      report = we_apply_cuda(m.table, arena.data<float>(), m.numel, o, 30, {0}, we_state, workspace, stream);
    }
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  report_step(state, m, report);
  state.SetLabel(std::string(we_cuda_sort_name(workspace.sort())) + (graph ? " graph" : ""));
}

BENCHMARK_CAPTURE(BM_filter_norm_cpu, resnet56, "resnet56")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_filter_norm_cpu, mobilenetv2, "mobilenetv2")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_filter_norm_cpu, big, "big")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_copy_cpu, resnet56, "resnet56")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_copy_cpu, mobilenetv2, "mobilenetv2")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_copy_cpu, big, "big")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_sort_cpu, resnet56, "resnet56")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_sort_cpu, mobilenetv2, "mobilenetv2")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_thresholds_cpu, resnet56, "resnet56")->UseManualTime()->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_thresholds_cpu, mobilenetv2, "mobilenetv2")->UseManualTime()->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_match_cpu, resnet56, "resnet56")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_match_cpu, mobilenetv2, "mobilenetv2")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_crossover_cpu, resnet56, "resnet56")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_crossover_cpu, mobilenetv2, "mobilenetv2")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cpu, resnet56_paper, "resnet56", "paper")->UseManualTime()->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cpu, resnet56_reference, "resnet56", "reference")->UseManualTime()->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cpu, mobilenetv2_paper, "mobilenetv2", "paper")->UseManualTime()->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cpu, mobilenetv2_reference, "mobilenetv2", "reference")->UseManualTime()->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cuda, resnet56_paper_block, "resnet56", "paper", WeCudaSort::kBlock, false)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cuda, resnet56_paper_segmented, "resnet56", "paper", WeCudaSort::kDeviceSegmented, false)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cuda, resnet56_paper_block_graph, "resnet56", "paper", WeCudaSort::kBlock, true)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cuda, mobilenetv2_paper_block, "mobilenetv2", "paper", WeCudaSort::kBlock, false)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cuda, mobilenetv2_paper_segmented, "mobilenetv2", "paper", WeCudaSort::kDeviceSegmented, false)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cuda, mobilenetv2_paper_block_graph, "mobilenetv2", "paper", WeCudaSort::kBlock, true)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cuda, mobilenetv2_reference_block, "mobilenetv2", "reference", WeCudaSort::kBlock, false)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cuda, mobilenetv2_reference_segmented, "mobilenetv2", "reference", WeCudaSort::kDeviceSegmented, false)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_we_step_cuda, big_paper_block, "big", "paper", WeCudaSort::kBlock, false)->UseManualTime()->Unit(benchmark::kMicrosecond);
}  // namespace
}  // namespace revive

BENCHMARK_MAIN();
