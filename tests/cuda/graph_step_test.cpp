// A whole training step (forward, softmax cross-entropy, backward, SGD with momentum and weight
// decay) under CUDA Graph capture: GraphStep's replays give the eager steps' weights and losses bit
// for bit (deterministic cuDNN algorithms, so both routes run the same kernels on the same data); a
// batch of another shape runs eagerly; work that asks for uncached memory during a capture is a
// clear error.
#include "optim/graph_step.h"

#include <gtest/gtest.h>

#include "core/rng.h"
#include "cuda/cuda_test_util.h"
#include "kernels/cuda_graph.h"
#include "kernels/device_runtime.h"
#include "nn/functional.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "optim/sgd.h"

namespace revive {
namespace {

// One network, its optimiser, and fixed-address batch and loss buffers on the GPU.
struct Net {
  std::unique_ptr<nn::Module> model = nn::models::make_model("resnet20", 3, 10);
  nn::ParameterArena arena = nn::ParameterArena::build(*model, Device::cuda(), 11);
  optim::SgdOptimizer sgd{sgd_options(), arena.params()};
  Tensor x = Tensor::zeros({16, 3, 32, 32}, DType::kFloat32, Device::cuda());
  Tensor y = Tensor::zeros({16}, DType::kInt64, Device::cuda());
  Tensor loss = Tensor::zeros({}, DType::kFloat32, Device::cuda());

  static optim::SgdOptions sgd_options() {
    optim::SgdOptions o;
    o.lr = 0.05;
    o.momentum = 0.9;
    o.weight_decay = 5e-4;
    return o;
  }
  // The step GraphStep captures: reads x and y, writes loss, updates the arena in place.
  void step(const Tensor& bx, const Tensor& by) {
    arena.zero_grad();
    Tensor l = F::softmax_cross_entropy(model->forward(bx), by);
    l.backward();
    Tensor params = arena.params();
    sgd.step(params, arena.grads(), 0.05f);
    loss.copy_from(l);
  }
};

std::pair<Tensor, Tensor> batch(int step, int64_t n) {
  Rng rng(300 + static_cast<uint64_t>(step));
  std::vector<float> xs(static_cast<size_t>(n * 3 * 32 * 32));
  for (float& v : xs) v = rng.normal();
  std::vector<int64_t> ys(static_cast<size_t>(n));
  for (int64_t& v : ys) v = static_cast<int64_t>(rng.below(10));
  return {Tensor::from_vector(xs, {n, 3, 32, 32}), Tensor::from_vector(ys, {n})};
}

TEST(CudaGraphStep, ReplayedStepsGiveTheEagerStepsResults) {
  REVIVE_SKIP_WITHOUT_CUDA();
  kernels::CudaOptions deterministic;
  deterministic.deterministic = true;
  kernels::set_cuda_options(deterministic);
  Net eager, graphed;
  graphed.model->train();
  eager.model->train();
  optim::GraphStep g(Device::cuda());
  std::vector<optim::StepRoute> routes;
  for (int step = 0; step < 8; ++step) {
    // Step 6 is a shorter batch, as an epoch's last: eager, and the graph is kept.
    const int64_t n = step == 6 ? 8 : 16;
    const auto [hx, hy] = batch(step, n);
    if (n == 16) {
      graphed.x.copy_from(hx.to(Device::cuda()));
      graphed.y.copy_from(hy.to(Device::cuda()));
      routes.push_back(g.run({n}, [&] { graphed.step(graphed.x, graphed.y); }));
    } else {
      const Tensor dx = hx.to(Device::cuda()), dy = hy.to(Device::cuda());
      routes.push_back(g.run({n}, [&] { graphed.step(dx, dy); }));
    }
    eager.step(hx.to(Device::cuda()), hy.to(Device::cuda()));
    EXPECT_EQ(eager.loss.item(), graphed.loss.item()) << "step " << step;
  }
  using R = optim::StepRoute;
  EXPECT_EQ(routes, (std::vector<R>{R::kEager, R::kEager, R::kCaptured, R::kReplayed, R::kReplayed, R::kReplayed,
                                    R::kEager, R::kReplayed}));
  EXPECT_EQ(g.capture_error(), "");
  EXPECT_EQ(eager.arena.params().to_vector<float>(), graphed.arena.params().to_vector<float>());
  EXPECT_EQ(eager.sgd.state().momentum.to_vector<float>(), graphed.sgd.state().momentum.to_vector<float>());
  kernels::set_cuda_options({});
}

TEST(CudaGraphStep, AllocatingUncachedMemoryDuringACaptureSaysToWarmUp) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const int64_t n = (int64_t{1} << 27) + 12345;  // a size nothing else in this process asks for
  try {
    kernels::CudaGraph graph([&] { (void)Tensor::empty({n}, DType::kFloat32, Device::cuda()); });
    FAIL() << "a capture that allocates uncached memory must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Warm up first"), std::string::npos) << e.what();
  }
  // After a warm-up the same allocation is served from the cache and the capture succeeds.
  { (void)Tensor::empty({n}, DType::kFloat32, Device::cuda()); }
  kernels::CudaGraph graph([&] { (void)Tensor::empty({n}, DType::kFloat32, Device::cuda()); });
  graph.replay();
  kernels::synchronize(Device::cuda());
}

}  // namespace
}  // namespace revive
