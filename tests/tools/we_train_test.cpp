// End to end: `revive train --method we` on Fashion-MNIST runs, logs WE's telemetry every epoch and
// reactivates a non-zero number of filters.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tools/run_binary.h"
#include "support/scratch_path.h"

namespace {

namespace fs = std::filesystem;

TEST(WeTrain, FashionMnistRunLogsTelemetryAndReactivates) {
  const bool real = fs::exists("/usr/share/datasets/fashion-mnist");
  const std::string data = real ? "--limit-train 1024 --limit-test 256" : "--dataset synthetic";
  const fs::path out = revive::testing::scratch_path("we_train");
  fs::remove_all(out);
  const auto r = revive::testing::run_revive("train --model cnn --method we --we-preset reference --epochs 2 "
                                             "--batch 64 --threads 2 --no-progress " + data + " --out " +
                                             out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream is(out / "metrics.jsonl");
  std::string line;
  int64_t pairs = 0;
  int epochs = 0;
  while (std::getline(is, line)) {
    const nlohmann::json m = nlohmann::json::parse(line);
    ASSERT_TRUE(m.contains("reactivation")) << line;
    const nlohmann::json& t = m["reactivation"];
    for (const char* pool : {"conv", "bn_gamma", "bn_beta"}) {
      ASSERT_TRUE(t["pools"].contains(pool)) << pool;
      for (const char* k : {"rate", "candidates", "inferior", "pairs", "updated_elements", "skipped_zero_denominator"}) {
        EXPECT_TRUE(t["pools"][pool].contains(k)) << pool << "." << k;
      }
      pairs += t["pools"][pool]["pairs"].get<int64_t>();
    }
    EXPECT_TRUE(t.contains("conv_fraction_below"));
    EXPECT_TRUE(t.contains("elapsed_us"));
    ++epochs;
  }
  EXPECT_EQ(epochs, 2);
  EXPECT_GT(pairs, 0);
  fs::remove_all(out);
}

}  // namespace
