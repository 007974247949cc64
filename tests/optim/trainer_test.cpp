// End to end: a small CNN learns a synthetic set in seconds through the Trainer; the hook runs after
// evaluation with the 0-based epoch; metrics lines are written; a diverging run stops with a clear
// error.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/loader.h"
#include "data/synthetic.h"
#include "data/transforms.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "optim/trainer.h"

namespace revive {
namespace {

struct TinyRun {
  DatasetSplits data;
  std::unique_ptr<nn::Module> model;
  std::unique_ptr<nn::ParameterArena> arena;
  std::unique_ptr<optim::SgdOptimizer> sgd;
  std::unique_ptr<optim::LrSchedule> schedule;
  std::unique_ptr<DataLoader> train, test;

  TinyRun(int epochs, double lr, uint64_t seed) {
    SyntheticOptions so;
    so.n_train = 512;
    so.n_test = 256;
    so.height = so.width = 12;
    so.num_classes = 4;
    so.noise = 0.3f;
    so.seed = seed;
    data = make_synthetic(so);
    model = nn::models::make_model("cnn", 1, 4);
    arena = std::make_unique<nn::ParameterArena>(nn::ParameterArena::build(*model, Device::cpu(), seed));
    optim::SgdOptions o;
    o.lr = lr;
    o.momentum = 0.9;
    o.weight_decay = 5e-4;
    sgd = std::make_unique<optim::SgdOptimizer>(o, arena->params());
    optim::ScheduleOptions s;
    s.lr = lr;
    s.epochs = epochs;
    schedule = std::make_unique<optim::LrSchedule>(optim::make_schedule("cosine", s));
    TransformOptions tf;
    tf.norm = compute_normalization(data.train);
    train = std::make_unique<DataLoader>(data.train, 32, true, tf, seed);
    test = std::make_unique<DataLoader>(data.test, 128, false, tf, seed);
  }
};

TEST(Trainer, SmallCnnLearnsSyntheticData) {
  TinyRun s(3, 0.05, 3);
  const std::string path = (std::filesystem::temp_directory_path() / "revive_trainer_metrics.jsonl").string();
  MetricsLog log(path, true);
  TrainerOptions to;
  to.epochs = 3;
  to.progress = false;
  to.log_epochs = false;
  Trainer trainer(*s.model, *s.arena, *s.sgd, *s.schedule, *s.train, *s.test, to);
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
  TrainerOptions to;
  to.epochs = 1;
  to.progress = false;
  to.log_epochs = false;
  TinyRun a(1, 0.05, 5), b(1, 0.05, 5);
  Trainer ta(*a.model, *a.arena, *a.sgd, *a.schedule, *a.train, *a.test, to);
  Trainer tb(*b.model, *b.arena, *b.sgd, *b.schedule, *b.train, *b.test, to);
  ta.fit();
  tb.fit();
  EXPECT_EQ(a.arena->params().to_vector<float>(), b.arena->params().to_vector<float>());
}

TEST(Trainer, DivergingLossStopsWithAClearError) {
  TinyRun s(1, 1e12, 4);
  TrainerOptions to;
  to.epochs = 1;
  to.progress = false;
  to.log_epochs = false;
  Trainer trainer(*s.model, *s.arena, *s.sgd, *s.schedule, *s.train, *s.test, to);
  try {
    trainer.fit();
    FAIL() << "expected a non-finite loss error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite training loss"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace revive
