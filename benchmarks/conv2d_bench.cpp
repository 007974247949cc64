// Convolution forward and backward through the CPU entry points (oneDNN's kernels, or the Winograd
// tiles where they apply: `revive info` says which; REVIVE_NO_WINOGRAD=1 keeps everything on
// oneDNN, to compare the two in one binary) for the ResNet-20 layers as trained on 28x28
// Fashion-MNIST (as `revive train` trains them) at batch 128, with activations blocked (nChw8c) or plain
// (NCHW). Each pass is timed alone and as the forward + backward of one training step; GFLOP/s
// counts 2 N K P Q (C/groups) R S per pass (napkin maths: padding taps count as work).
//
//   revive_bench_conv2d --benchmark_min_time=0.2 [--benchmark_filter=fwd_bwd]
//       [--benchmark_repetitions=5]  (on a shared machine: the fastest repetition is the least disturbed)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "core/runtime_options.h"
#include "kernels/conv2d.h"
#include "kernels/layout.h"

namespace revive::kernels {
namespace {

struct Layer {
  const char* name;
  int64_t C, H, K, stride;
  bool first;  // the network's input: always plain, and training needs no input gradient
};

// One entry per distinct shape; the comment counts how often ResNet-20 uses it.
const Layer kLayers[] = {
    {"first_1_16_28", 1, 28, 16, 1, true},  // x1
    {"s1_16_28", 16, 28, 16, 1, false},     // x6
    {"s2_16_32_28", 16, 28, 32, 2, false},  // x1
    {"s2_32_14", 32, 14, 32, 1, false},     // x5
    {"s3_32_64_14", 32, 14, 64, 2, false},  // x1
    {"s3_64_7", 64, 7, 64, 1, false},       // x5
};
constexpr int64_t kBatch = 128;

enum class Pass { kForward, kBackwardData, kBackwardWeights, kForwardBackward };

Tensor filled(const Shape& shape, float value, Layout layout) {
  Tensor t = Tensor::empty(shape, DType::kFloat32, Device::cpu(), layout);
  t.fill_(value);
  return t;
}

void run_layer(benchmark::State& state, const Layer& l, Layout layout, Pass pass) {
  Conv2dParams p;
  p.stride_h = p.stride_w = static_cast<int>(l.stride);
  p.pad_h = p.pad_w = 1;
  const Layout x_layout = l.first ? Layout::kPlain : layout;
  const Tensor x = filled({kBatch, l.C, l.H, l.H}, 0.5f, x_layout);
  const Tensor w = filled({l.K, l.C, 3, 3}, 0.01f, Layout::kPlain);
  const Conv2dShape s = conv2d_shape(x.shape(), w.shape(), p);
  const Tensor dy = filled({s.N, s.K, s.P, s.Q}, 0.1f, layout);
  Tensor dw = Tensor::zeros(w.shape());
  const bool data_grad = !l.first && (pass == Pass::kBackwardData || pass == Pass::kForwardBackward);
  const bool weight_grad = pass == Pass::kBackwardWeights || pass == Pass::kForwardBackward;
  const bool forward = pass == Pass::kForward || pass == Pass::kForwardBackward;
  for (auto _ : state) {
    if (forward) benchmark::DoNotOptimize(conv2d_forward(x, w, Tensor(), p, layout).raw_data());
    if (data_grad) benchmark::DoNotOptimize(conv2d_backward_data(dy, w, x.shape(), x_layout, p).raw_data());
    if (weight_grad) conv2d_backward_weights(dw, nullptr, x, dy, p);
  }
  const double flop_per_pass = 2.0 * s.N * s.K * s.P * s.Q * s.C * s.R * s.S;
  const int n_passes = int(forward) + int(data_grad) + int(weight_grad);
  state.counters["GFLOP/s"] =
      benchmark::Counter(1e-9 * flop_per_pass * n_passes, benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  const std::pair<const char*, Pass> passes[] = {{"fwd", Pass::kForward},
                                                 {"bwd_data", Pass::kBackwardData},
                                                 {"bwd_weights", Pass::kBackwardWeights},
                                                 {"fwd_bwd", Pass::kForwardBackward}};
  for (const Layer& l : kLayers) {
    for (Layout layout : {Layout::kBlocked8, Layout::kPlain}) {
      for (const auto& [pass_name, pass] : passes) {
        if (l.first && pass == Pass::kBackwardData) continue;
        const std::string name =
            std::string("BM_conv2d_cpu/") + l.name + "/" + (layout == Layout::kPlain ? "plain" : "blocked") + "/" + pass_name;
        benchmark::RegisterBenchmark(name.c_str(), [&l, layout, pass = pass](benchmark::State& st) {
          run_layer(st, l, layout, pass);
        })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
  }
}

}  // namespace
}  // namespace revive::kernels

int main(int argc, char** argv) {
  // The training target is two threads (benchmarks/RESULTS.md's baselines use two);
  // OMP_NUM_THREADS overrides it.
  if (!std::getenv("OMP_NUM_THREADS")) revive::set_num_threads(2);
  revive::set_runtime_options(revive::RuntimeOptions::from_environment());
  revive::kernels::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
