// End to end: `revive train --method kr` on Fashion-MNIST (synthetic data where the data set is not
// installed) logs KR's telemetry every epoch and rescales kernels on the period; `revive reactivate
// --method kr --epoch e --epochs T` steps a saved state dict when (e + 1) is a multiple of E and
// leaves it as it was otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/safetensors.h"

#include "tools/run_binary.h"
#include "support/scratch_path.h"

namespace {

namespace fs = std::filesystem;
using revive::testing::run_revive;

// The tensors of a safetensors file, by name, as float values (a rewritten file may order its
// header differently).
std::map<std::string, std::vector<float>> tensors(const fs::path& p) {
  std::map<std::string, std::vector<float>> out;
  for (const auto& [name, t] : revive::load_safetensors(p.string()).tensors)
    if (t.dtype() == revive::DType::kFloat32) out[name] = t.to_vector<float>();
  return out;
}

nlohmann::json last_json_line(const std::string& output) { return nlohmann::json::parse(output.substr(output.find('{'))); }

TEST(KrTrain, FashionMnistRunLogsTelemetryAndRescalesKernels) {
  const bool real = fs::exists("/usr/share/datasets/fashion-mnist");
  const std::string data = real ? "--limit-train 1024 --limit-test 256" : "--dataset synthetic";
  const fs::path out = revive::testing::scratch_path("kr_train");
  fs::remove_all(out);
  // Period 1 with gamma0 0.5: epoch 0 steps with gamma(1 of 2) = 0.25, epoch 1 with gamma 0.
  auto r = run_revive("train --model cnn --method kr --kr-set period=1 --kr-set gamma0=0.5 --epochs 2 --batch 64 "
                      "--threads 2 --no-progress " + data + " --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream is(out / "metrics.jsonl");
  std::string line;
  std::vector<nlohmann::json> kr;
  while (std::getline(is, line)) {
    const nlohmann::json m = nlohmann::json::parse(line);
    ASSERT_TRUE(m.contains("reactivation")) << line;
    kr.push_back(m["reactivation"]);
  }
  ASSERT_EQ(kr.size(), 2u);
  for (const auto& t : kr) {
    EXPECT_EQ(t["method"], "kr");
    EXPECT_EQ(t["applied"], true);
    for (const char* k : {"gamma", "invalid_filters", "invalid_kernels", "skipped_kernels", "conv_fraction_below",
                          "elapsed_us"}) {
      EXPECT_TRUE(t.contains(k)) << k;
    }
  }
  EXPECT_EQ(kr[0]["gamma"], 0.25);
  EXPECT_GT(kr[0]["invalid_filters"].get<int64_t>(), 0);
  EXPECT_GT(kr[0]["rescaled_kernels"].get<int64_t>(), 0);
  EXPECT_EQ(kr[1]["gamma"], 0.0);
  EXPECT_EQ(kr[1]["invalid_kernels"], 0);

  // One step on the saved weights: after epoch 9 of 20 (E = 10) it rescales, after epoch 8 it does not.
  const std::string in = (out / "model.safetensors").string();
  const fs::path stepped = out / "kr.safetensors", unchanged = out / "kr8.safetensors";
  r = run_revive("reactivate --method kr --kr-set gamma0=0.5 --model cnn --epoch 9 --epochs 20 --in " + in +
                 " --out " + stepped.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json step = last_json_line(r.output)["report"];
  EXPECT_EQ(step["applied"], true) << r.output;
  EXPECT_GT(step["rescaled_kernels"].get<int64_t>(), 0) << r.output;
  EXPECT_NE(tensors(stepped), tensors(in));
  r = run_revive("reactivate --method kr --model cnn --epoch 8 --epochs 20 --in " + in + " --out " +
                 unchanged.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(last_json_line(r.output)["report"]["applied"], false) << r.output;
  EXPECT_EQ(tensors(unchanged), tensors(in));
  // The LR-ratio schedule follows the cosine schedule the run's length implies.
  r = run_revive("reactivate --method kr --kr-set gamma_schedule=lr_ratio --model cnn --epoch 9 --epochs 20 --in " +
                 in + " --out " + stepped.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NEAR(last_json_line(r.output)["report"]["gamma"].get<double>(), 0.1 * (1 + std::cos(M_PI / 2)) / 2, 1e-12);
  fs::remove_all(out);
}

TEST(KrTrain, BadOptionsAreClearErrors) {
  auto r = run_revive("train --dataset synthetic --method kr --kr-set beta=3 --epochs 1");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("beta"), std::string::npos) << r.output;
  r = run_revive("train --dataset synthetic --kr-preset cifar --epochs 1");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--kr-preset"), std::string::npos) << r.output;
}

}  // namespace
