// End to end: a small CNN learns a synthetic set in seconds through the Trainer; the hook runs after
// evaluation with the 0-based epoch; metrics lines are written; a diverging run stops with a clear
// error.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "support/error_message.h"
#include "support/tiny_run.h"
#include "support/scratch_path.h"

namespace revive {
namespace {

using testing::quiet_trainer_options;
using testing::TinyRun;

TEST(Trainer, SmallCnnLearnsSyntheticData) {
  TinyRun s(3, 0.05, 3);
  const std::string path = testing::scratch_path("trainer_metrics.jsonl").string();
  MetricsLog log(path, true);
  Trainer trainer = s.trainer(quiet_trainer_options(3));
  trainer.set_metrics_log(&log);
  std::vector<int> hook_epochs;
  trainer.set_after_eval_hook([&](int epoch, nlohmann::json& m) {
    hook_epochs.push_back(epoch);
    EXPECT_TRUE(m.contains("test_acc"));  // evaluation ran before the hook
    m["hook_saw"] = epoch;
  });
  const std::vector<nlohmann::json> lines = trainer.fit();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(hook_epochs, (std::vector<int>{0, 1, 2}));
  EXPECT_LT(lines.back()["train_loss"].get<double>(), lines.front()["train_loss"].get<double>());
  EXPECT_GT(lines.back()["test_acc"].get<double>(), 0.8);  // chance is 0.25
  std::ifstream is(path);
  std::string line;
  int n = 0;
  while (std::getline(is, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j["epoch"].get<int>(), n + 1);
    EXPECT_EQ(j["hook_saw"].get<int>(), n);
    for (const char* key : {"lr", "train_loss", "train_acc", "test_loss", "test_acc", "epoch_seconds",
                            "images_per_second", "reactivation_ms"}) {
      EXPECT_TRUE(j.contains(key)) << key;
    }
    ++n;
  }
  EXPECT_EQ(n, 3);
  std::filesystem::remove(path);
}

TEST(Trainer, SameSeedSameRun) {
  TinyRun a(1, 0.05, 5), b(1, 0.05, 5);
  a.trainer(quiet_trainer_options(1)).fit();
  b.trainer(quiet_trainer_options(1)).fit();
  EXPECT_EQ(a.arena->params().to_vector<float>(), b.arena->params().to_vector<float>());
}

// Several networks train one after another each epoch; the hook then sees every network trained
// and evaluated; the line carries each network's figures, the first's at the top level.
TEST(Trainer, SeveralNetworksTrainInTurnAndReportEach) {
  RunConfig c = testing::tiny_run_config(2, 0.05, 6);
  c.models = 2;
  TinyRun s(c);
  Trainer trainer = s.trainer(quiet_trainer_options(2));
  std::vector<std::vector<TrainPosition>> seen;
  trainer.set_position_callback([&](const std::vector<TrainPosition>& p) { seen.push_back(p); });
  const std::vector<nlohmann::json> lines = trainer.fit();
  ASSERT_EQ(lines.size(), 2u);
  for (const nlohmann::json& m : lines) {
    ASSERT_EQ(m["networks"].size(), 2u);
    EXPECT_EQ(m["test_acc"], m["networks"][0]["test_acc"]);
    EXPECT_GT(m["networks"][1]["test_acc"].get<double>(), 0.4);  // both learn (chance is 0.25)
  }
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].size(), 2u);
  EXPECT_EQ(seen[1][1].epoch, 2);
  EXPECT_EQ(trainer.n_networks(), 2u);
  EXPECT_THROW(trainer.fit({TrainPosition{}}), Error);  // one position per network
}

// The CPU has no CUDA Graphs: auto and off run every step eagerly (the same weights), the line says
// so, and asking for a graph is refused before any step.
TEST(Trainer, OnTheCpuStepsRunEagerlyAndAGraphIsRefused) {
  RunConfig c = testing::tiny_run_config(1, 0.05, 8);
  c.models = 2;
  TinyRun a(c), b(c), on(c);
  TrainerOptions auto_mode = quiet_trainer_options(1), off = auto_mode, graph = auto_mode;
  off.cuda_graph = optim::GraphMode::kOff;
  graph.cuda_graph = optim::GraphMode::kOn;
  const std::vector<nlohmann::json> lines = a.trainer(auto_mode).fit();
  b.trainer(off).fit();
  EXPECT_EQ(a.arena->params().to_vector<float>(), b.arena->params().to_vector<float>());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["step_route"], "eager");
  EXPECT_FALSE(lines[0].contains("capture_error"));
  for (const nlohmann::json& n : lines[0]["networks"]) EXPECT_EQ(n["step_route"], "eager");
  EXPECT_ERROR(on.trainer(graph), "--cuda-graph on: CUDA Graphs need a CUDA device, and this run is on cpu");
}

TEST(Trainer, DivergingLossStopsWithAClearError) {
  TinyRun s(1, 1e12, 4);
  try {
    s.trainer(quiet_trainer_options(1)).fit();
    FAIL() << "expected a non-finite loss error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite training loss"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace revive
