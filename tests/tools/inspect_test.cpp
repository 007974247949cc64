// `revive inspect` on a tiny state dict whose figures are known by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/safetensors.h"
#include "tools/run_binary.h"
#include "support/scratch_path.h"

namespace {

namespace fs = std::filesystem;
using revive::testing::run_revive;

revive::Tensor tensor(revive::Shape shape, std::vector<float> values) {
  revive::Tensor t = revive::Tensor::empty(shape, revive::DType::kFloat32);
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

// conv1 [2,1,1,2]: filters {1, -1} (avg L1 2) and {0, 0.0005} (avg L1 0.0005, dormant at 1e-3);
//   entropy: range [-1, 1], width 0.2: -1 in bin 0, 0 and 0.0005 in bin 5, the max in none: ln 2.
// layer2.conv [1,2,1,1] constant 0.5: avg L1 (0.5 + 0.5) / 2 = 0.5, entropy 0.
// layer10.conv [3,1,1,1]: 0, 0.25, 4: avg L1 min 0, median 0.25, max 4 (listed after layer2).
// bn1 and fc: floating-point tensors that are not convs; steps: an integer tensor, left out.
fs::path tiny_checkpoint() {
  const fs::path p = revive::testing::scratch_path("inspect_tiny.safetensors");
  revive::Tensor steps = revive::Tensor::empty({1}, revive::DType::kInt64);
  steps.data<int64_t>()[0] = 7;
  revive::save_safetensors(p.string(),
                           {{"layer10.conv.weight", tensor({3, 1, 1, 1}, {0, 0.25f, 4})},
                            {"conv1.weight", tensor({2, 1, 1, 2}, {1, -1, 0, 0.0005f})},
                            {"layer2.conv.weight", tensor({1, 2, 1, 1}, {0.5f, 0.5f})},
                            {"bn1.weight", tensor({2}, {1, -3})},
                            {"fc.weight", tensor({2, 2}, {0.5f, -0.5f, 2, 0})},
                            {"bn1.num_batches_tracked", steps}},
                           {{"format", "pt"}});
  return p;
}

TEST(Inspect, JsonHasEveryConvLayerAndEveryFloatTensor) {
  const fs::path p = tiny_checkpoint();
  const auto r = run_revive("inspect --json " + p.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["conv_filters"], 6);
  EXPECT_EQ(j["dormant"], 2);  // 0.0005 and 0
  const nlohmann::json& conv = j["conv_layers"];
  ASSERT_EQ(conv.size(), 3u);
  EXPECT_EQ(conv[0]["name"], "conv1.weight");
  EXPECT_EQ(conv[1]["name"], "layer2.conv.weight");
  EXPECT_EQ(conv[2]["name"], "layer10.conv.weight");
  EXPECT_EQ(conv[0]["filters"], 2);
  EXPECT_EQ(conv[0]["dormant"], 1);
  EXPECT_NEAR(conv[0]["min_avg_l1"].get<double>(), 0.0005, 1e-9);
  EXPECT_NEAR(conv[0]["max_avg_l1"].get<double>(), 2.0, 1e-9);
  EXPECT_NEAR(conv[0]["entropy"].get<double>(), std::log(2.0), 1e-6);
  EXPECT_EQ(conv[1]["entropy"].get<double>(), 0.0);  // a constant tensor
  EXPECT_NEAR(conv[1]["median_avg_l1"].get<double>(), 0.5, 1e-9);
  EXPECT_NEAR(conv[2]["median_avg_l1"].get<double>(), 0.25, 1e-9);
  EXPECT_EQ(conv[2]["dormant"], 1);
  const nlohmann::json& tensors = j["tensors"];
  ASSERT_EQ(tensors.size(), 5u);  // the int64 counter is not floating point
  EXPECT_EQ(tensors[0]["name"], "bn1.weight");
  EXPECT_NEAR(tensors[0]["l1_norm"].get<double>(), 4.0, 1e-9);
  EXPECT_EQ(tensors[0]["min"].get<double>(), -3.0);
  EXPECT_EQ(tensors[0]["max"].get<double>(), 1.0);
  EXPECT_EQ(tensors[0]["shape"], (nlohmann::json{2}));
  EXPECT_EQ(tensors[1]["name"], "conv1.weight");
  EXPECT_EQ(tensors[2]["name"], "fc.weight");
  // fc: 0.5, -0.5, 2, 0 over [-0.5, 2], width 0.25: -0.5 bin 0, 0 bin 2, 0.5 bin 4, the max in none.
  EXPECT_NEAR(tensors[2]["entropy"].get<double>(), 3 * 0.25 * std::log(4.0), 1e-6);
  fs::remove(p);
}

TEST(Inspect, TableAndThreshold) {
  const fs::path p = tiny_checkpoint();
  const auto r = run_revive("inspect --threshold 0.3 " + p.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("3 conv layers, 6 filters, 3 dormant (average L1 < 0.3)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("layer2.conv.weight"), std::string::npos);
  const auto missing = run_revive("inspect /nonexistent.safetensors");
  EXPECT_EQ(missing.status, 1) << missing.output;
  fs::remove(p);
}

}  // namespace
