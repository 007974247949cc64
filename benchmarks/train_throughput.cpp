// Training throughput of whole models: images/s of full SGD steps (forward, softmax cross-entropy,
// backward, fused SGD update) on a batch held in memory, and the process's peak RSS. The PyTorch
// reference for the same models and batch is benchmarks/torch/throughput.py.
//
//   build/bin/revive_bench_train --model resnet20 --threads 2 --batch 128 --seconds 20
//
// Prints one JSON line per model.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/allocator.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "nn/functional.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "optim/sgd.h"

namespace {

double peak_rss_gib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace revive;
  CLI::App app{"revive training-throughput benchmark"};
  std::vector<std::string> models{"resnet20"};
  float width = 1.0f;
  int threads = 2, batch = 128, warmup = 3, channels = 1, size = 28;
  double seconds = 20;
  app.add_option("--model", models, "Models to measure (repeatable)")->capture_default_str();
  app.add_option("--width", width, "Width multiplier for mobilenetv2")->capture_default_str();
  app.add_option("--threads", threads)->capture_default_str();
  app.add_option("--batch", batch)->capture_default_str();
  app.add_option("--seconds", seconds, "Timed duration per model")->capture_default_str();
  app.add_option("--warmup", warmup, "Untimed steps first")->capture_default_str();
  app.add_option("--channels", channels)->capture_default_str();
  app.add_option("--size", size, "Input height and width")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  set_num_threads(threads);

  Rng rng(1);
  std::vector<float> xs(static_cast<size_t>(batch) * channels * size * size);
  for (float& v : xs) v = rng.normal();
  std::vector<int64_t> ys(static_cast<size_t>(batch));
  for (int64_t& v : ys) v = static_cast<int64_t>(rng.below(10));
  const Tensor x = Tensor::from_vector(xs, {batch, channels, size, size});
  const Tensor y = Tensor::from_vector(ys, {batch});

  for (const std::string& name : models) {
    nn::models::ModelOptions mo;
    if (name == "mobilenetv2") mo.width = width;
    auto model = nn::models::make_model(name, channels, 10, mo);
    nn::ParameterArena arena = nn::ParameterArena::build(*model, Device::cpu(), 0);
    optim::SgdOptions so;
    so.lr = 0.05;
    so.momentum = 0.9;
    so.weight_decay = 5e-4;
    optim::SgdOptimizer sgd(so, arena.params());
    model->train();
    auto step = [&] {
      arena.zero_grad();
      Tensor loss = F::softmax_cross_entropy(model->forward(x), y);
      loss.backward();
      Tensor params = arena.params();
      sgd.step(params, arena.grads(), 0.05f);
    };
    for (int i = 0; i < warmup; ++i) step();
    const size_t sys_allocs = allocator_for(Device::cpu()).stats().n_system_allocs;
    int n = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double dt = 0;
    while (dt < seconds) {
      step();
      ++n;
      dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    const nlohmann::json line{{"framework", "revive"},
                              {"model", name == "mobilenetv2" && width != 1.0f ? name + "-" + std::to_string(width).substr(0, 3) : name},
                              {"threads", threads},
                              {"batch", batch},
                              {"steps", n},
                              {"images_per_second", static_cast<double>(n) * batch / dt},
                              {"ms_per_step", 1e3 * dt / n},
                              {"system_allocs_in_timed_steps",
                               allocator_for(Device::cpu()).stats().n_system_allocs - sys_allocs},
                              {"peak_rss_gib", peak_rss_gib()}};
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
  }
  return 0;
}
