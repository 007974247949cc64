// The Trainer's graph route (optim/graph_train_step.h) on a GPU against its eager route: two
// networks trained in turn, each through its own graph, two epochs of a per-iteration cosine
// schedule (the rate changes every step, so a replay that kept the captured rate would drift) and
// batches of 48 from 512 samples (every epoch ends on a short batch, which runs eagerly). With
// deterministic cuDNN algorithms both routes run the same kernels on the same data: weights,
// momentum and every figure of the metrics lines are equal bit for bit.
#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"
#include "kernels/device_runtime.h"
#include "optim/trainer.h"
#include "support/tiny_run.h"

namespace revive {
namespace {

TEST(CudaTrainerGraph, ReplayedStepsEqualEagerOnesBitForBit) {
  REVIVE_SKIP_WITHOUT_CUDA();
  RunConfig c = testing::tiny_run_config(2, 0.05, 31, Device::cuda());
  c.models = 2;
  c.batch = 48;
  c.per_iteration = true;
  c.deterministic = true;  // build_run sets the kernels' switch
  testing::TinyRun graphed(c), eager(c);
  TrainerOptions on = testing::quiet_trainer_options(2), off = on;
  on.cuda_graph = optim::GraphMode::kOn;
  off.cuda_graph = optim::GraphMode::kOff;
  on.log_interval = off.log_interval = 4;
  const std::vector<nlohmann::json> g = graphed.trainer(on).fit();
  const std::vector<nlohmann::json> e = eager.trainer(off).fit();
  ASSERT_EQ(g.size(), 2u);
  ASSERT_EQ(e.size(), 2u);
  for (size_t epoch = 0; epoch < 2; ++epoch) {
    EXPECT_EQ(g[epoch]["step_route"], "graph") << g[epoch].dump();
    EXPECT_FALSE(g[epoch].contains("capture_error")) << g[epoch]["capture_error"];
    EXPECT_EQ(e[epoch]["step_route"], "eager");
    for (size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(g[epoch]["networks"][k]["step_route"], "graph") << "network " << k + 1;
      for (const char* key : {"lr", "train_loss", "train_acc", "test_loss", "test_acc"}) {
        EXPECT_EQ(g[epoch]["networks"][k][key], e[epoch]["networks"][k][key])
            << key << ", epoch " << epoch + 1 << ", network " << k + 1;
      }
    }
  }
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(graphed.run->network(k).arena->params().to_vector<float>(),
              eager.run->network(k).arena->params().to_vector<float>())
        << "network " << k + 1;
    EXPECT_EQ(graphed.run->network(k).sgd->momentum().to_vector<float>(),
              eager.run->network(k).sgd->momentum().to_vector<float>())
        << "network " << k + 1;
  }
  kernels::set_cuda_options({});
}

}  // namespace
}  // namespace revive
