// End to end: `revive train --method fg --models 2` on a slice of Fashion-MNIST for 2 epochs trains
// both networks above chance, logs FG's summary, each network's census and a detail file every
// epoch, and ends naming the best network and the ensemble's accuracy.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tools/run_binary.h"
#include "tools/run_files.h"

namespace {

namespace fs = std::filesystem;
using revive::testing::read_file;

TEST(FgTrain, TwoNetworksOnFashionMnistGraftEveryEpochAndReportTheBestAndTheEnsemble) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "needs the dataset-fashion-mnist package";
  const fs::path out = revive::testing::fresh_dir("revive_fg_train", "");
  const auto r = revive::testing::run_revive("train --model cnn --method fg --models 2 --epochs 2 --batch 64 "
                                             "--threads 2 --device cpu --no-progress --limit-train 1024 "
                                             "--limit-test 512 --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("best single network: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ensemble of the 2 networks"), std::string::npos) << r.output;

  const std::vector<nlohmann::json> lines = revive::testing::metrics_without_times(out);
  ASSERT_EQ(lines.size(), 2u);
  for (const nlohmann::json& m : lines) {
    const nlohmann::json& fg = m["reactivation"];
    ASSERT_EQ(fg["models"].size(), 2u) << m.dump();
    EXPECT_EQ(fg["groups"], 3);  // the cnn's three convs
    // N = 2: alpha_1 = f(H_1 - H_2), alpha_2 = f(H_2 - H_1), and f(-x) = 1 - f(x) (§2.5).
    EXPECT_NEAR(fg["models"][0]["alpha"]["mean"].get<double>() + fg["models"][1]["alpha"]["mean"].get<double>(), 1.0,
                1e-12);
    for (const nlohmann::json& k : fg["models"]) {
      EXPECT_GT(k["alpha"]["min"].get<double>(), 0.3);  // (a / pi) arctan(.) + 0.5 with a = 0.4
      EXPECT_LT(k["alpha"]["max"].get<double>(), 0.7);
      EXPECT_GT(k["entropy"]["min"].get<double>(), 0.0);
    }
    const nlohmann::json detail = nlohmann::json::parse(read_file(out / fg["detail_file"].get<std::string>()));
    ASSERT_EQ(detail["group_detail"].size(), 3u);
    EXPECT_EQ(detail["group_detail"][0]["conv"], "conv1.weight");
    EXPECT_EQ(detail["group_detail"][2]["alpha"].size(), 2u);
    ASSERT_EQ(m["networks"].size(), 2u);
    for (const nlohmann::json& n : m["networks"]) {
      EXPECT_GT(n["test_acc"].get<double>(), 0.2) << "10 classes: chance is 0.1";
      for (const char* t : {"1e-3", "1e-2", "1e-1"}) EXPECT_TRUE(n["filters"]["fraction_below"].contains(t));
    }
  }
  const nlohmann::json summary = nlohmann::json::parse(read_file(out / "summary.json"));
  const int best = summary["best_network"].get<int>();
  ASSERT_TRUE(best == 1 || best == 2) << summary;
  EXPECT_EQ(summary["best_network_test_acc"], lines[1]["networks"][best - 1]["test_acc"]);
  EXPECT_GT(summary["ensemble_test_acc"].get<double>(), 0.2) << summary;
  EXPECT_TRUE(fs::exists(out / "model.net2.safetensors"));
  fs::remove_all(out);
}

}  // namespace
