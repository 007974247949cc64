// Training throughput of whole models: images/s of full SGD steps (forward, softmax cross-entropy,
// backward, fused SGD update) on a batch held in memory (on the device, as airbench keeps its
// data), and the process's peak RSS. The PyTorch reference for the same models and batch is
// benchmarks/torch/throughput.py.
//
//   build/bin/revive_bench_train --model resnet20 --threads 2 --batch 128 --seconds 20
//   build/bin/revive_bench_train --model resnet20 --device cuda --channels 3 --size 32 --cuda-graph
//
// On CUDA the host queues steps without waiting (no synchronisation inside a step) and waits for
// the device every 10 steps to read the clock. --cuda-graph runs the steps through
// optim::GraphStep: the warm-up steps eagerly, then one capture (kernels/cuda_graph.h) replayed:
// one launch per step instead of hundreds; "route" says what the timed steps ran ("graph", or
// "eager" with "capture_error" when the capture failed).
// "system_allocs_in_timed_steps" counts cudaMalloc (CPU: aligned_alloc) calls in the timed steps;
// the caching allocator keeps it at zero.
//
// On the CPU, --conv-routes auto|direct|winograd picks how convolutions choose their routes (as
// `revive train --conv-routes`; the warm-up steps pay any measuring) and --layout the activation
// layout (default: the host's, kernels/layout.h), to compare them in interleaved runs.
//
// Prints one JSON line per model, with the host it ran on (CPU model and oneDNN's ISA).
#include <sys/resource.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/allocator.h"
#include "core/parallel.h"
#include "core/runtime_options.h"
#include "core/rng.h"
#include "kernels/cpu/conv_route_table.h"
#include "kernels/cpu/host_cpu.h"
#include "kernels/device_runtime.h"
#include "kernels/layout.h"
#include "nn/functional.h"
#include "optim/graph_step.h"
#include "run/run_builder.h"

namespace {

// CPU time of the whole process (all threads, OpenMP's waiting included), in seconds: on a machine
// shared with other work it counts only the time this process ran, so it compares builds and
// settings more steadily than wall time does there (with one thread, where no thread waits).
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double peak_rss_gib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / (1024.0 * 1024.0);
}

// How many distinct layer shapes and passes took each CPU convolution route.
nlohmann::json route_counts() {
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& c : revive::kernels::cpu::conv_route_record()) {
    const char* name = revive::kernels::cpu::route_name(c.route);
    counts[name] = counts.value(name, 0) + 1;
  }
  return counts;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace revive;
  set_runtime_options(RuntimeOptions::from_environment());
  CLI::App app{"revive training-throughput benchmark"};
  std::vector<std::string> models{"resnet20"};
  float width = 1.0f;
  int threads = 2, batch = 128, warmup = 3, channels = 1, size = 28;
  double seconds = 20;
  std::string device_name = "cpu", conv_routes = "auto", layout = "host";
  bool cuda_graph = false;
  kernels::CudaOptions cuda;
  app.add_option("--model", models, "Models to measure (repeatable)")->capture_default_str();
  app.add_option("--width", width, "Width multiplier for mobilenetv2")->capture_default_str();
  app.add_option("--threads", threads)->capture_default_str();
  app.add_option("--batch", batch)->capture_default_str();
  app.add_option("--seconds", seconds, "Timed duration per model")->capture_default_str();
  app.add_option("--warmup", warmup, "Untimed steps first")->capture_default_str();
  app.add_option("--channels", channels)->capture_default_str();
  app.add_option("--size", size, "Input height and width")->capture_default_str();
  app.add_option("--device", device_name, "cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--conv-routes", conv_routes, "CPU convolution routes: auto, direct or winograd")
      ->check(CLI::IsMember({"auto", "direct", "winograd"}))
      ->capture_default_str();
  app.add_option("--layout", layout, "CPU activation layout: host (its default), nChw8c, nChw16c or plain")
      ->check(CLI::IsMember({"host", "nChw8c", "nChw16c", "plain"}))
      ->capture_default_str();
  app.add_flag("--cuda-graph", cuda_graph, "CUDA: capture the steady-state step in a CUDA Graph and replay it");
  app.add_flag("--deterministic", cuda.deterministic, "CUDA: deterministic cuDNN algorithms only");
  app.add_flag("--tf32", cuda.allow_tf32, "CUDA: TF32 tensor cores for convolutions and matrix products");
  app.add_flag("--cudnn-benchmark", cuda.benchmark_algorithms, "CUDA: time cuDNN's algorithms once per shape");
  CLI11_PARSE(app, argc, argv);
  set_num_threads(threads);
  const Device device = parse_device(device_name);
  try {
    kernels::use_device(device);
  } catch (const Error& e) {
    std::fprintf(stderr, "revive_bench_train: %s\n", e.what());
    return 1;
  }
  if (cuda_graph && !device.is_cuda()) {
    std::fprintf(stderr, "revive_bench_train: --cuda-graph needs --device cuda\n");
    return 1;
  }
  kernels::set_cuda_options(cuda);
  for (Layout l : {Layout::kPlain, Layout::kBlocked8, Layout::kBlocked16}) {
    if (layout_name(l) == layout) kernels::set_preferred_layout(l);
  }

  Rng rng(1);
  std::vector<float> xs(static_cast<size_t>(batch) * channels * size * size);
  for (float& v : xs) v = rng.normal();
  std::vector<int64_t> ys(static_cast<size_t>(batch));
  for (int64_t& v : ys) v = static_cast<int64_t>(rng.below(10));
  const Tensor x = Tensor::from_vector(xs, {batch, channels, size, size}).to(device);
  const Tensor y = Tensor::from_vector(ys, {batch}).to(device);

  for (const std::string& name : models) {
    RunConfig config;
    config.model = name;
    if (name == "mobilenetv2") config.width = width;
    config.lr = 0.05;
    config.momentum = 0.9;
    config.weight_decay = 5e-4;
    config.threads = threads;
    config.device = device.str();
    config.conv_routes = conv_routes;
    RunBuildOptions bo;
    bo.data = false;  // one batch held on the device
    bo.in_channels = channels;
    std::unique_ptr<RunParts> run = build_run(config, bo);
    nn::Module* model = run->network().model.get();
    nn::ParameterArena& arena = *run->network().arena;
    optim::SgdOptimizer& sgd = *run->network().sgd;
    model->train();
    auto step = [&] {
      arena.zero_grad();
      Tensor loss = F::softmax_cross_entropy(model->forward(x), y);
      loss.backward();
      Tensor params = arena.params();
      sgd.step(params, arena.grads(), 0.05f);
    };
    // Two warm-up steps at least: the first picks algorithms and fills the allocator's cache, the
    // second starts from initialised momentum, as every step after it (what a graph replays). With
    // --cuda-graph the step after them is captured.
    optim::GraphStepOptions go;
    go.enabled = cuda_graph;
    go.warmup = std::max(warmup, 2);
    optim::GraphStep graph_step(device, go);
    const std::vector<int64_t> key{batch};
    for (int i = 0; i <= go.warmup; ++i) graph_step.run(key, step);
    kernels::synchronize(device);
    const size_t sys_allocs = allocator_for(device).stats().n_system_allocs;
    const int per_check = device.is_cpu() ? 1 : 10;  // steps queued between reads of the clock
    int n = 0;
    const double cpu0 = process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    double dt = 0;
    while (dt < seconds) {
      for (int i = 0; i < per_check; ++i) graph_step.run(key, step);
      n += per_check;
      kernels::synchronize(device);
      dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    const nlohmann::json line{{"framework", "revive"},
                              {"host", kernels::cpu::host_description()},
                              {"conv_routes", run->config.conv_routes},
                              {"layout", layout_name(kernels::preferred_layout())},
                              {"model", name == "mobilenetv2" && width != 1.0f ? name + "-" + std::to_string(width).substr(0, 3) : name},
                              {"device", device.str()},
                              {"cuda_graph", cuda_graph},
                              {"route", graph_step.captured() ? "graph" : "eager"},
                              {"capture_error", graph_step.capture_error()},
                              {"threads", threads},
                              {"batch", batch},
                              {"steps", n},
                              {"images_per_second", static_cast<double>(n) * batch / dt},
                              {"ms_per_step", 1e3 * dt / n},
                              {"cpu_ms_per_step", 1e3 * (process_cpu_seconds() - cpu0) / n},
                              {"system_allocs_in_timed_steps",
                               allocator_for(device).stats().n_system_allocs - sys_allocs},
                              {"peak_rss_gib", peak_rss_gib()},
                              {"route_measuring_seconds", kernels::cpu::conv_route_measuring_seconds()},
                              {"routes", route_counts()}};
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
  }
  return 0;
}
