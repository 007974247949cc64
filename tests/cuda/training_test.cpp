// End to end on the GPU against the CPU: 20 SGD steps of small CNNs (the CLI's "cnn", and a
// ResNet-20 that adds the option-A shortcut, avg pooling paths and deeper stacks) on the same
// seeded batches from the same initial weights (drawn on the host for both); three steps of every
// model of the registry at 3x32x32; then the Trainer's GPU path (pinned uploads, metrics read back
// per interval) against its CPU path for one epoch.
//
// Tolerances: per-step losses 2e-3 relative. Convolution algorithms sum in other orders than
// oneDNN (1e-4 per op, see conv2d_test.cpp), and SGD with momentum carries those differences
// through 20 updates of every weight; a wrong gradient anywhere moves the loss by far more within
// a few steps (the losses fall from about 2.3 to well below that).
#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"
#include "cuda/cuda_test_util.h"
#include "nn/functional.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "optim/sgd.h"
#include "optim/trainer.h"
#include "support/tiny_run.h"

namespace revive {
namespace {

std::vector<float> train_losses(const std::string& model_name, Device device, int steps, int64_t batch = 16,
                                int64_t size = 16) {
  auto model = nn::models::make_model(model_name, 3, 10);
  nn::ParameterArena arena = nn::ParameterArena::build(*model, device, 7);
  optim::SgdOptions o;
  o.lr = 0.05;
  o.momentum = 0.9;
  o.weight_decay = 5e-4;
  optim::SgdOptimizer sgd(o, arena.params());
  model->train();
  std::vector<float> losses;
  for (int step = 0; step < steps; ++step) {
    // A fixed set of 4 batches, visited in turn: the losses must fall.
    Rng batch_rng(100 + static_cast<uint64_t>(step % 4));
    std::vector<float> xs(static_cast<size_t>(batch * 3 * size * size));
    for (float& v : xs) v = batch_rng.normal();
    std::vector<int64_t> ys(static_cast<size_t>(batch));
    for (int64_t& v : ys) v = static_cast<int64_t>(batch_rng.below(10));
    const Tensor x = Tensor::from_vector(xs, {batch, 3, size, size}).to(device);
    const Tensor y = Tensor::from_vector(ys, {batch}).to(device);
    arena.zero_grad();
    Tensor loss = F::softmax_cross_entropy(model->forward(x), y);
    loss.backward();
    Tensor params = arena.params();
    sgd.step(params, arena.grads(), 0.05f);
    losses.push_back(loss.item());
  }
  return losses;
}

TEST(CudaTraining, TwentyStepsMatchTheCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  for (const char* name : {"cnn", "resnet20"}) {
    const std::vector<float> cpu = train_losses(name, Device::cpu(), 20);
    const std::vector<float> gpu = train_losses(name, Device::cuda(), 20);
    for (size_t i = 0; i < cpu.size(); ++i) {
      EXPECT_NEAR(cpu[i], gpu[i], 2e-3 * std::fabs(cpu[i])) << name << " step " << i;
    }
    EXPECT_LT(gpu.back(), gpu.front()) << name;
  }
}

// Every model's training step (its own convolution shapes, groups, concatenations, shuffles and
// pooling) on the GPU against the CPU: three steps of a batch of 8, losses within 2e-3.
TEST(CudaTraining, EveryModelsStepsMatchTheCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  for (const std::string& name : nn::models::model_names()) {
    const std::vector<float> cpu = train_losses(name, Device::cpu(), 3, 8, 32);
    const std::vector<float> gpu = train_losses(name, Device::cuda(), 3, 8, 32);
    for (size_t i = 0; i < cpu.size(); ++i) {
      EXPECT_TRUE(std::isfinite(gpu[i])) << name << " step " << i;
      EXPECT_NEAR(cpu[i], gpu[i], 2e-3 * std::fabs(cpu[i])) << name << " step " << i;
    }
  }
}

TEST(CudaTraining, TrainerOnTheGpuMatchesTheCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  std::vector<nlohmann::json> lines[2];
  for (int d = 0; d < 2; ++d) {
    testing::TinyRun run(1, 0.05, 3, d == 0 ? Device::cpu() : Device::cuda());
    TrainerOptions to = testing::quiet_trainer_options(1);
    to.log_interval = 5;  // 16 steps: three full intervals and a partial one
    lines[d] = run.trainer(to).fit();
  }
  ASSERT_EQ(lines[1].size(), 1u);
  for (const char* key : {"train_loss", "test_loss"}) {
    EXPECT_NEAR(lines[0][0][key].get<double>(), lines[1][0][key].get<double>(),
                2e-3 * lines[0][0][key].get<double>())
        << key;
  }
  // Accuracies count whole samples: allow a sample or two to flip on a near tie.
  EXPECT_NEAR(lines[0][0]["train_acc"].get<double>(), lines[1][0]["train_acc"].get<double>(), 2.0 / 512);
  EXPECT_NEAR(lines[0][0]["test_acc"].get<double>(), lines[1][0]["test_acc"].get<double>(), 2.0 / 256);
}

}  // namespace
}  // namespace revive
