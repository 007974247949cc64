// Convolution forward and backward through the CPU entry points, route by route: for each ResNet-20
// layer as trained on 28x28 Fashion-MNIST at batch 128, each activation layout
// (nChw16c, nChw8c, plain) and each pass, every route that applies (kernels/cpu/conv_routes.h:
// oneDNN's direct or Winograd kernels, revive's Winograd tiles, ...) pinned in turn, and `auto`,
// the route the measured choice takes. `fwd_bwd` times the three passes of one training step on
// the chosen routes. GFLOP/s counts 2 N K P Q (C/groups) R S per pass (napkin maths: padding taps
// count as work). The context names the host (CPU model and oneDNN's ISA).
//
//   revive_bench_conv2d --benchmark_min_time=0.2 [--benchmark_filter='s2_32_14/nChw16c/fwd/']
//       [--benchmark_repetitions=5]  (on a shared machine: the fastest repetition is the least disturbed)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "core/runtime_options.h"
#include "kernels/conv2d.h"
#include "kernels/cpu/conv2d_cpu.h"
#include "kernels/cpu/conv_route_table.h"
#include "kernels/cpu/host_cpu.h"
#include "kernels/layout.h"

namespace revive::kernels {
namespace {

using cpu::ConvPass;
using cpu::ConvRoute;

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

struct Case {
  const Layer* layer;
  Layout layout;
  Pass pass;
  std::optional<ConvRoute> route;  // pinned; nullopt: the table's choice
};

Tensor filled(const Shape& shape, float value, Layout layout) {
  Tensor t = Tensor::empty(shape, DType::kFloat32, Device::cpu(), layout);
  t.fill_(value);
  return t;
}

Conv2dParams params_of(const Layer& l) {
  Conv2dParams p;
  p.stride_h = p.stride_w = static_cast<int>(l.stride);
  p.pad_h = p.pad_w = 1;
  return p;
}

Layout x_layout_of(const Case& c) { return c.layer->first ? Layout::kPlain : c.layout; }

// The route key of a single-pass case (layouts as conv_route_key takes them).
cpu::ConvRouteKey key_of(const Case& c, const Conv2dShape& s, const Conv2dParams& p) {
  const Layout x = x_layout_of(c), y = c.layout;
  switch (c.pass) {
    case Pass::kBackwardData: return cpu::conv_route_key(ConvPass::kBackwardData, s, p, y, x, false);
    case Pass::kBackwardWeights: return cpu::conv_route_key(ConvPass::kBackwardWeights, s, p, x, y, false);
    default: return cpu::conv_route_key(ConvPass::kForward, s, p, x, y, false);
  }
}

void run_case(benchmark::State& state, const Case& c) {
  const Layer& l = *c.layer;
  const Conv2dParams p = params_of(l);
  const Layout x_layout = x_layout_of(c);
  const Tensor x = filled({kBatch, l.C, l.H, l.H}, 0.5f, x_layout);
  const Tensor w = filled({l.K, l.C, 3, 3}, 0.01f, Layout::kPlain);
  const Conv2dShape s = conv2d_shape(x.shape(), w.shape(), p);
  const Tensor dy = filled({s.N, s.K, s.P, s.Q}, 0.1f, c.layout);
  Tensor dw = Tensor::zeros(w.shape());
  cpu::reset_conv_routes();
  if (c.route) cpu::pin_conv_routes({{key_of(c, s, p), *c.route}});
  const bool data_grad = !l.first && (c.pass == Pass::kBackwardData || c.pass == Pass::kForwardBackward);
  const bool weight_grad = c.pass == Pass::kBackwardWeights || c.pass == Pass::kForwardBackward;
  const bool forward = c.pass == Pass::kForward || c.pass == Pass::kForwardBackward;
  for (auto _ : state) {
    if (forward) benchmark::DoNotOptimize(conv2d_forward(x, w, Tensor(), p, c.layout).raw_data());
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
  static std::deque<Case> cases;  // registered benchmarks keep pointers into it
  for (const Layer& l : kLayers) {
    for (Layout layout : {Layout::kBlocked16, Layout::kBlocked8, Layout::kPlain}) {
      for (const auto& [pass_name, pass] : passes) {
        if (l.first && pass == Pass::kBackwardData) continue;
        Case c{&l, layout, pass, std::nullopt};
        std::vector<std::optional<ConvRoute>> routes{std::nullopt};
        if (pass != Pass::kForwardBackward) {
          const Conv2dParams p = params_of(l);
          const Conv2dShape s = conv2d_shape({kBatch, l.C, l.H, l.H}, {l.K, l.C, 3, 3}, p);
          const cpu::ConvRouteKey k = key_of(c, s, p);
          for (ConvRoute r : cpu::conv_route_candidates(k.conv_pass(), s, p, static_cast<Layout>(k.in_layout),
                                                        static_cast<Layout>(k.out_layout), false)) {
            routes.emplace_back(r);
          }
        }
        for (const auto& route : routes) {
          c.route = route;
          cases.push_back(c);
          const std::string name = std::string("BM_conv2d_cpu/") + l.name + "/" + layout_name(layout) + "/" +
                                   pass_name + "/" + (route ? cpu::route_name(*route) : "auto");
          const Case* pc = &cases.back();
          benchmark::RegisterBenchmark(name.c_str(), [pc](benchmark::State& st) { run_case(st, *pc); })
              ->Unit(benchmark::kMillisecond)
              ->UseRealTime();
        }
      }
    }
  }
}

}  // namespace
}  // namespace revive::kernels

int main(int argc, char** argv) {
  // The training target is two threads (the baseline training runs with two);
  // OMP_NUM_THREADS overrides it.
  if (!std::getenv("OMP_NUM_THREADS")) revive::set_num_threads(2);
  revive::set_runtime_options(revive::RuntimeOptions::from_environment());
  benchmark::AddCustomContext("host", revive::kernels::cpu::host_description());
  benchmark::AddCustomContext("conv_routes", revive::kernels::cpu::describe_conv_routes());
  revive::kernels::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
