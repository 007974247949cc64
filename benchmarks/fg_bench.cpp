// Filter Grafting's step (external scions, entropy criterion, reference preset:
// §2.1-2.5) on N = 2, 4, 6 networks of ResNet-56 (0.85M parameters each) and MobileNetV2 (2.3M),
// built from the model registry with their BN statistics and counters, on the CPU and on CUDA.
//
// The floor of a step is one pass over the N arenas (the graft must read every weight at least
// once). Each benchmark measures that pass on the same arenas first (the fastest of 20 reads: a sum
// over every float of the N arenas on the CPU; on CUDA half the time of a device-to-device copy of
// them, which reads and writes each byte) and reports:
//   GB/s          the N arenas' bytes over the step's time (as if the step were one pass)
//   one_pass_us   the floor measured as above
//   x_one_pass    step time (median) / floor (the target: within 3)
//   min_us        the fastest step (with the floor's fastest pass, the pair least disturbed by
//                 other work on a shared machine)
// The step's weights change from one iteration to the next (each graft blends them), which changes
// no work: every pass reads every element whatever its value.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/rng.h"
#include "kernels/device_runtime.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "reactivation/fg/fg_cuda.h"
#include "reactivation/fg/fg_step.h"

namespace revive {
namespace {

struct Nets {
  std::vector<std::unique_ptr<nn::Module>> models;
  std::vector<std::unique_ptr<nn::ParameterArena>> arenas;
  std::unique_ptr<FgLayout> layout;
  std::vector<FgNetwork> nets;
  int64_t numel = 0;
};

// N networks with distinct weights (their own init seeds), a fifth of the conv filters shrunk
// (dead filters, as in trained networks) and BN running statistics set, on `device`.
Nets make_nets(const std::string& name, int n, Device device) {
  Nets s;
  for (int k = 0; k < n; ++k) {
    s.models.push_back(nn::models::make_model(name, 3, 10));
    s.arenas.push_back(std::make_unique<nn::ParameterArena>(nn::ParameterArena::build(*s.models.back(), Device::cpu(), 1 + k)));
    float* p = s.arenas.back()->params().data<float>();
    Rng rng(100 + k, 3);
    for (const nn::ArenaEntry& e : s.arenas.back()->entries()) {
      if (e.kind != nn::ParamKind::kConvWeight) continue;
      const int64_t len = e.numel / e.shape[0];
      for (int64_t f = 0; f < e.shape[0]; ++f)
        if (rng.uniform() < 0.2f)
          for (int64_t i = 0; i < len; ++i) p[e.offset + f * len + i] *= 1e-3f;
    }
    for (auto& [bname, t] : s.models.back()->named_buffers())
      if (t.dtype() == DType::kFloat32)
        for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = rng.uniform(0.5f, 1.5f);
    s.arenas.back()->to(device);
  }
  s.layout = std::make_unique<FgLayout>(fg_layout(*s.models[0], *s.arenas[0], FgScope::kReference));
  for (int k = 0; k < n; ++k) s.nets.push_back(fg_network(*s.models[static_cast<size_t>(k)], *s.arenas[static_cast<size_t>(k)]));
  s.numel = s.arenas[0]->n_elements();
  return s;
}

FgOptions options(int n) {
  FgOptions o = fg_preset("reference");
  o.models = n;
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The fastest of 20 passes that read every float of the N arenas (a vectorised sum: the reduction
// clause lets it reassociate, so the loop runs at the memory's pace, not the adder's latency).
double one_pass_cpu(const Nets& s) {
  double best = 1e30;
  for (int rep = 0; rep < 20; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    double total = 0;
    for (const FgNetwork& net : s.nets) {
      const float* x = net.arena;
      const int64_t n = s.numel;
      float sum = 0;
#pragma omp parallel for simd reduction(+ : sum) schedule(static)
      for (int64_t i = 0; i < n; ++i) sum += x[i];
      total += sum;
    }
    benchmark::DoNotOptimize(total);
    best = std::min(best, seconds_since(t0));
  }
  return best;
}

void report(benchmark::State& state, const Nets& s, double one_pass, const std::vector<double>& steps) {
  const double bytes = 4.0 * static_cast<double>(s.numel) * static_cast<double>(s.nets.size());
  state.counters["GB/s"] =
      benchmark::Counter(bytes * 1e-9 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["one_pass_us"] = one_pass * 1e6;
  if (!steps.empty()) {
    std::vector<double> sorted = steps;
    std::sort(sorted.begin(), sorted.end());
    state.counters["median_us"] = sorted[sorted.size() / 2] * 1e6;
    state.counters["min_us"] = sorted.front() * 1e6;  // the undisturbed step on a shared machine
    state.counters["x_one_pass"] = sorted[sorted.size() / 2] / one_pass;
  }
  state.counters["MB"] = bytes * 1e-6;
  state.counters["groups"] = s.layout->n_groups();
}

void BM_fg_step_cpu(benchmark::State& state, const std::string& name) {
  const int n = static_cast<int>(state.range(0));
  Nets s = make_nets(name, n, Device::cpu());
  const FgOptions o = options(n);
  FgCpuScratch scratch;
  fg_apply_cpu(*s.layout, s.nets, o, 0, 0, scratch);  // plans and warms up
  const double floor = one_pass_cpu(s);
  std::vector<double> steps;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const FgReport r = fg_apply_cpu(*s.layout, s.nets, o, 0, 0, scratch);
    const double t = seconds_since(t0);
    state.SetIterationTime(t);
    steps.push_back(t);
    benchmark::DoNotOptimize(r.alpha.data());
  }
  report(state, s, floor, steps);
}

void BM_fg_step_cuda(benchmark::State& state, const std::string& name) {
  if (!cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const int n = static_cast<int>(state.range(0));
  Nets s = make_nets(name, n, Device::cuda());
  const FgOptions o = options(n);
  FgCudaWorkspace workspace(*s.layout, n);
  fg_apply_cuda(*s.layout, s.nets, o, 0, 0, workspace);  // loads the kernels
  // Half a device-to-device copy of the N arenas (which reads and writes each byte).
  std::vector<Tensor> copies;
  for (const auto& a : s.arenas) copies.push_back(a->params().clone());
  double floor = 1e30;
  for (int rep = 0; rep < 20; ++rep) {
    kernels::synchronize(Device::cuda());
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t k = 0; k < copies.size(); ++k) copies[k].copy_from(s.arenas[k]->params());
    kernels::synchronize(Device::cuda());
    floor = std::min(floor, seconds_since(t0) / 2);
  }
  std::vector<double> steps;
  for (auto _ : state) {
    kernels::synchronize(Device::cuda());
    const auto t0 = std::chrono::steady_clock::now();
    const FgReport r = fg_apply_cuda(*s.layout, s.nets, o, 0, 0, workspace);  // ends synchronised
    const double t = seconds_since(t0);
    state.SetIterationTime(t);
    steps.push_back(t);
    benchmark::DoNotOptimize(r.alpha.data());
  }
  report(state, s, floor, steps);
}

BENCHMARK_CAPTURE(BM_fg_step_cpu, resnet56, "resnet56")->Arg(2)->Arg(4)->Arg(6)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_fg_step_cpu, mobilenetv2, "mobilenetv2")->Arg(2)->Arg(4)->Arg(6)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_fg_step_cuda, resnet56, "resnet56")->Arg(2)->Arg(4)->Arg(6)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_fg_step_cuda, mobilenetv2, "mobilenetv2")->Arg(2)->Arg(4)->Arg(6)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace revive

BENCHMARK_MAIN();
