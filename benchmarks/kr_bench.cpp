// Kernel Reactivation's whole step (docs/kernel-reactivation.md) on the filter tables of
// benchmarks/reactivation_tables.h (resnet56, mobilenetv2, big), against one read of their conv
// weights. The step reads the conv weights once (the norm pass) and the invalid filters again, so
// the target is a step within 3x of that read.
//   BM_kr_read_cpu: one read of the conv weights on all threads (an integer OR of their bits, which
//     vectorises), in GB/s: the pass the step is measured against.
//   BM_kr_step_cpu: kr_apply_cpu after epoch 9 of 200 with the cifar preset (gamma = 0.0994), or with
//     gamma0 = 0.5 (many more kernels); each iteration restores the weights first (untimed) with the
//     SGD step's thread split, then times a read pass and the step. Counters: GB/s of conv weights
//     per step, the median and fastest step, and x_read, the median of step / read over the
//     iterations (the target: at most 3), and each stage's median and fastest (on a shared
//     machine the fastest stage times compare builds better than the medians).
//   BM_kr_step_cuda (skipped without a device): kr_apply_cuda from the first launch to the counts on
//     the host, the weights restored from a device copy before each iteration (untimed), and GB/s
//     of conv weights per step.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <array>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "benchmarks/reactivation_tables.h"
#include "core/device.h"
#include "kernels/device_runtime.h"
#include "reactivation/kr/kr_cpu.h"
#include "reactivation/kr/kr_cuda.h"

namespace revive {
namespace {

using bench::conv_elements;
using bench::median;
using bench::min_of;
using bench::model;
using bench::ModelTable;

// One read of every conv weight, each thread taking its share of them in module order.
uint32_t read_conv_weights(const FilterTable& table, const float* arena) {
  const FilterTableLayers& L = table.layers();
  std::vector<int64_t> begin, length;  // the conv tensors' ranges in the arena
  for (int l = 0; l < table.n_layers(); ++l) {
    if (L.kind[l] != ReactivatableKind::kConvWeight) continue;
    begin.push_back(L.offset[l]);
    length.push_back(static_cast<int64_t>(L.n_filters[l]) * L.filter_len[l]);
  }
  const int64_t total = conv_elements(table);
  uint32_t bits = 0;
#pragma omp parallel reduction(| : bits)
  {
    const int t = omp_get_thread_num(), n_threads = omp_get_num_threads();
    int64_t from = total * t / n_threads, to = total * (t + 1) / n_threads, at = 0;
    for (size_t r = 0; r < begin.size() && from < to; at += length[r], ++r) {
      if (from >= at + length[r]) continue;
      const int64_t end = std::min(to, at + length[r]);
      const float* p = arena + begin[r] + (from - at);
      const int64_t n = end - from;
      uint32_t acc = 0;
      for (int64_t i = 0; i < n; ++i) {
        uint32_t u;
        std::memcpy(&u, p + i, sizeof u);
        acc |= u;
      }
      bits |= acc;
      from = end;
    }
  }
  return bits;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void set_gb_per_s(benchmark::State& state, const ModelTable& m) {
  const double bytes = 4.0 * static_cast<double>(conv_elements(m.table));
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9 * static_cast<double>(state.iterations()),
                                              benchmark::Counter::kIsRate);
  state.counters["MB"] = bytes * 1e-6;
}

ReactivationContext step_context() {
  ReactivationContext ctx;
  ctx.epoch = 9;
  ctx.total_epochs = 200;
  return ctx;
}

KrOptions step_options(double gamma0) {
  KrOptions o = kr_preset("cifar");
  o.gamma0 = gamma0;
  return o;
}

void report_step(benchmark::State& state, const KrReport& r) {
  state.counters["invalid_filters"] = static_cast<double>(r.invalid_filters);
  state.counters["rescaled_kernels"] = static_cast<double>(r.rescaled_kernels);
}

void BM_kr_read_cpu(benchmark::State& state, const std::string& name) {
  ModelTable& m = model(name);
  for (auto _ : state) benchmark::DoNotOptimize(read_conv_weights(m.table, m.arena.data()));
  set_gb_per_s(state, m);
}

void BM_kr_step_cpu(benchmark::State& state, const std::string& name, double gamma0) {
  ModelTable& m = model(name);
  const KrOptions o = step_options(gamma0);
  // A tensor, as the model's parameter arena is (its allocator advises huge pages for large blocks).
  const Tensor arena_tensor = Tensor::from_vector(m.arena, {m.numel});
  float* arena = arena_tensor.data<float>();
  KrScratch scratch;
  KrReport report;
  std::vector<double> step_s, ratio;
  std::array<std::vector<double>, kKrStageNames.size()> stage_us;
  for (auto _ : state) {
    bench::restore_as_sgd_writes(arena, m.arena);
    auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(read_conv_weights(m.table, arena));
    const double read = seconds_since(t0);
    KrState kr_state;
    t0 = std::chrono::steady_clock::now();
    report = kr_apply_cpu(m.table, arena, m.numel, o, step_context(), kr_state, &scratch);
    const double step = seconds_since(t0);
    state.SetIterationTime(step);
    step_s.push_back(step);
    ratio.push_back(step / read);
    for (size_t i = 0; i < stage_us.size(); ++i) stage_us[i].push_back(report.stage_us[i]);
    benchmark::DoNotOptimize(arena);
  }
  set_gb_per_s(state, m);
  report_step(state, report);
  if (!step_s.empty()) {
    state.counters["median_us"] = median(step_s) * 1e6;
    state.counters["best_us"] = min_of(step_s) * 1e6;
    state.counters["x_read"] = median(ratio);
    for (size_t i = 0; i < stage_us.size(); ++i) {  // as KrReport::stage_us times them
      state.counters[std::string(kKrStageNames[i]) + "_us"] = median(stage_us[i]);
      state.counters[std::string(kKrStageNames[i]) + "_best_us"] = min_of(stage_us[i]);
    }
  }
}

void BM_kr_step_cuda(benchmark::State& state, const std::string& name, double gamma0) {
  if (!cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  ModelTable& m = model(name);
  const KrOptions o = step_options(gamma0);
  const Tensor start = Tensor::from_vector(m.arena, {m.numel}).to(Device::cuda());
  Tensor arena = start.clone();
  KrCudaWorkspace workspace(m.table, o);
  KrReport report;
  for (auto _ : state) {
    arena.copy_from(start);
    kernels::synchronize(Device::cuda());
    KrState kr_state;
    const auto t0 = std::chrono::steady_clock::now();
    report = kr_apply_cuda(m.table, arena.data<float>(), m.numel, o, step_context(), kr_state, workspace);
    state.SetIterationTime(seconds_since(t0));
  }
  set_gb_per_s(state, m);
  report_step(state, report);
}

BENCHMARK_CAPTURE(BM_kr_read_cpu, resnet56, "resnet56")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_kr_read_cpu, mobilenetv2, "mobilenetv2")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_kr_read_cpu, big, "big")->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_kr_step_cpu, resnet56, "resnet56", 0.1)->UseManualTime()->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_kr_step_cpu, resnet56_gamma05, "resnet56", 0.5)->UseManualTime()->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_kr_step_cpu, mobilenetv2, "mobilenetv2", 0.1)->UseManualTime()->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_kr_step_cpu, mobilenetv2_gamma05, "mobilenetv2", 0.5)->UseManualTime()->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_kr_step_cpu, big, "big", 0.1)->UseManualTime()->ComputeStatistics("min", min_of)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_kr_step_cuda, resnet56, "resnet56", 0.1)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_kr_step_cuda, mobilenetv2, "mobilenetv2", 0.1)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_kr_step_cuda, mobilenetv2_gamma05, "mobilenetv2", 0.5)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_kr_step_cuda, big, "big", 0.1)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace revive

BENCHMARK_MAIN();
