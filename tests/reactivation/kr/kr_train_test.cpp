// End to end in the library: a small CNN trained on the first 512 Fashion-MNIST images (a
// synthetic set where the data set is not installed) with KrReactivator in the Trainer's
// after-evaluation hook, period 2: the first epoch reports without a step, the second steps and
// rescales kernels, and training stays finite. (The CLI's
// `revive train --method kr` wiring is tested with the CLI.)
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "data/idx.h"
#include "data/synthetic.h"
#include "reactivation/kr/kr_reactivator.h"
#include "tests/support/tiny_run.h"

namespace revive {
namespace {

Dataset first(const Dataset& d, int64_t n) {
  const int64_t numel = d.sample_numel();
  return Dataset(d.name(), d.channels(), d.height(), d.width(), d.num_classes(),
                 std::vector<uint8_t>(d.images().begin(), d.images().begin() + n * numel),
                 std::vector<int64_t>(d.labels().begin(), d.labels().begin() + n));
}

DatasetSplits small_fashion_mnist() {
  if (std::filesystem::exists(kFashionMnistDir)) {
    const DatasetSplits all = load_fashion_mnist();
    return {first(all.train, 512), first(all.test, 256)};
  }
  SyntheticOptions so;
  so.n_train = 512;
  so.n_test = 256;
  so.height = so.width = 28;
  so.num_classes = 10;
  return make_synthetic(so);
}

struct KrRun {
  std::vector<nlohmann::json> lines;
  std::vector<float> weights;
};

KrRun train_with_kr(const DatasetSplits& data) {
  constexpr int kEpochs = 2;
  auto model = nn::models::make_model("cnn", 1, 10);
  nn::ParameterArena arena = nn::ParameterArena::build(*model, Device::cpu(), 7);
  optim::SgdOptions so;
  so.lr = 0.05;
  so.momentum = 0.9;
  so.weight_decay = 5e-4;
  optim::SgdOptimizer sgd(so, arena.params());
  optim::ScheduleOptions s;
  s.lr = so.lr;
  s.epochs = kEpochs;
  const optim::LrSchedule schedule = optim::make_schedule("cosine", s);
  TransformOptions tf;
  tf.norm = compute_normalization(data.train);
  DataLoader train(data.train, 64, true, tf, 7), test(data.test, 128, false, tf, 7);
  Trainer trainer(*model, arena, sgd, schedule, train, test, testing::quiet_trainer_options(kEpochs));
  KrOptions o = kr_preset("cifar");
  o.period = 2;
  o.gamma0 = 0.5;  // gamma(2 of 2) is 0 with the completed-epochs convention
  o.gamma_epoch = KrGammaEpoch::kJustFinished;
  KrReactivator kr(o);
  trainer.set_after_eval_hook([&](int epoch, nlohmann::json& metrics) {
    ReactivationContext ctx;
    ctx.epoch = epoch;
    ctx.total_epochs = kEpochs;
    nlohmann::json telemetry;
    kr.apply_one(ctx, *model, arena, telemetry);
    metrics["reactivation"] = telemetry;
  });
  KrRun r;
  r.lines = trainer.fit();
  r.weights = arena.params().to_vector<float>();
  return r;
}

TEST(KrTrain, FashionMnistStepsOnThePeriod) {
  const DatasetSplits data = small_fashion_mnist();
  const KrRun run = train_with_kr(data);
  ASSERT_EQ(run.lines.size(), 2u);
  const nlohmann::json& skip = run.lines[0]["reactivation"];
  const nlohmann::json& step = run.lines[1]["reactivation"];
  EXPECT_EQ(skip["method"], "kr");
  EXPECT_EQ(skip["applied"], false);
  EXPECT_EQ(step["applied"], true);
  EXPECT_GT(step["invalid_filters"].get<int64_t>(), 0);
  EXPECT_GT(step["rescaled_kernels"].get<int64_t>(), 0);
  EXPECT_EQ(step["steps_applied"], 1);
  for (const auto& line : run.lines) EXPECT_TRUE(line["reactivation"].contains("conv_fraction_below"));
  for (float w : run.weights) ASSERT_TRUE(std::isfinite(w));
}

}  // namespace
}  // namespace revive
