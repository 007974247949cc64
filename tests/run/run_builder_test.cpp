// The run builder: what a configuration makes (networks with their seeds and rates, data with its
// limits, the method, the views the trainer and checkpoints take) and the context a method sees.
#include "run/run_builder.h"

#include <gtest/gtest.h>

#include <set>

#include "support/error_message.h"
#include "support/tiny_run.h"

namespace revive {
namespace {

TEST(RunBuilder, NetworksHaveTheirOwnSeedsTheFirstTheRunsOwn) {
  RunConfig c = testing::tiny_run_config(2, 0.05, 11);
  c.models = 3;
  c.limit_train = 100;
  c.limit_test = 40;
  const DatasetSplits data = testing::tiny_run_data(11);
  RunBuildOptions bo;
  bo.data_override = &data;
  const std::unique_ptr<RunParts> run = build_run(c, bo);
  ASSERT_EQ(run->networks.size(), 3u);
  EXPECT_EQ(run->networks[0].seed, 11u);
  std::set<uint64_t> seeds;
  for (const RunNetwork& n : run->networks) {
    seeds.insert(n.seed);
    EXPECT_EQ(n.initial_lr, 0.05);
    ASSERT_TRUE(n.sgd && n.schedule && n.train);
  }
  EXPECT_EQ(seeds.size(), 3u);
  EXPECT_NE(run->networks[0].arena->params().to_vector<float>(), run->networks[1].arena->params().to_vector<float>());
  EXPECT_EQ(run->data.train.size(), 100);
  EXPECT_EQ(run->data.test.size(), 40);
  EXPECT_EQ(run->reactivator->name(), "none");
  EXPECT_EQ(run->model_refs().size(), 3u);
  EXPECT_EQ(run->train_networks().size(), 3u);
  EXPECT_EQ(run->config.device, "cpu");
  EXPECT_EQ(network_seed(11, 1), run->networks[1].seed);  // a pure function: other processes agree
}

TEST(RunBuilder, ContextCarriesTheSchedulesStagesAndRates) {
  RunConfig c = testing::tiny_run_config(4, 0.1, 1);
  c.schedule = "multistep";
  c.milestones = {2, 3};
  c.gamma = 0.5;
  const DatasetSplits data = testing::tiny_run_data(1);
  RunBuildOptions bo;
  bo.data_override = &data;
  const ReactivationContext ctx = build_run(c, bo)->reactivation_context();
  EXPECT_EQ(ctx.total_epochs, 4);
  EXPECT_EQ(ctx.stage_boundaries, (std::vector<int>{0, 2, 3}));
  EXPECT_EQ(ctx.epoch_lr, (std::vector<double>{0.1, 0.1, 0.05, 0.025, 0.025}));
  EXPECT_EQ(ctx.seed, 1u);
}

TEST(RunBuilder, WithoutDataOrTraining) {
  RunConfig c;
  c.model = "resnet20";
  c.threads = num_threads();
  RunBuildOptions bo;
  bo.data = false;
  bo.training = false;
  bo.in_channels = 3;
  bo.num_classes = 100;
  const std::unique_ptr<RunParts> run = build_run(c, bo);
  EXPECT_EQ(run->network().arena->entry("conv1.weight").shape, (Shape{16, 3, 3, 3}));
  EXPECT_EQ(run->network().arena->entry("linear.weight").shape, (Shape{100, 64}));
  EXPECT_FALSE(run->test);
  EXPECT_FALSE(run->reactivator);
  EXPECT_THROW(run->train_networks(), Error);
}

TEST(RunBuilder, SetsTheCudaMathOptionsAndRefusesAGraphOnTheCpu) {
  RunConfig c = testing::tiny_run_config(1, 0.05, 2);
  c.deterministic = true;
  c.cudnn_benchmark = true;
  const DatasetSplits data = testing::tiny_run_data(2);
  RunBuildOptions bo;
  bo.data_override = &data;
  build_run(c, bo);
  EXPECT_TRUE(kernels::cuda_options().deterministic);
  EXPECT_FALSE(kernels::cuda_options().allow_tf32);
  EXPECT_TRUE(kernels::cuda_options().benchmark_algorithms);
  // The next run's options replace them: nothing carries over from one run of a process to the next.
  build_run(testing::tiny_run_config(1, 0.05, 2), bo);
  EXPECT_FALSE(kernels::cuda_options().deterministic);
  EXPECT_FALSE(kernels::cuda_options().benchmark_algorithms);

  c.cuda_graph = "on";
  EXPECT_ERROR(build_run(c, bo), "--cuda-graph on: CUDA Graphs need a CUDA device, and this run is on cpu");
  c.cuda_graph = "off";
  EXPECT_NO_THROW(build_run(c, bo));
  kernels::set_cuda_options({});
}

TEST(RunBuilder, ChecksTheConfigurationFirst) {
  RunConfig c;
  c.method = "we";
  c.models = 2;
  EXPECT_THROW(build_run(c), Error);
}

}  // namespace
}  // namespace revive
