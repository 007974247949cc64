#include "optim/checkpoint_sidecar.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace revive {
namespace {

CheckpointSidecar example() {
  CheckpointSidecar s;
  s.contents.positions = {{2, 9, 3.25, 40, 64, 1.5}};
  s.contents.seed = 18446744073709551615ull;
  s.contents.reactivation_state = {{"pairs", {1, 2}}};
  s.networks = {{"ckpt-e0002-s000009.safetensors", "ckpt-e0002-s000009.momentum.safetensors", true}};
  s.n_parameters = 1234;
  return s;
}

// `s` with field `key` replaced by `value`, as text.
std::string with(const std::string& key, const nlohmann::json& value) {
  nlohmann::json j = example().to_json();
  j[key] = value;
  return j.dump();
}

void expect_rejected(const std::string& text, const std::string& fragment) {
  try {
    CheckpointSidecar::parse(text, "ck.json");
    ADD_FAILURE() << "accepted: " << text;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(CheckpointSidecar, RoundTrips) {
  const CheckpointSidecar s = example();
  const CheckpointSidecar r = CheckpointSidecar::parse(s.to_json().dump(2), "ck.json");
  EXPECT_EQ(r.to_json(), s.to_json());
  EXPECT_EQ(r.contents.positions.at(0).step, 9);
  EXPECT_EQ(r.contents.seed, s.contents.seed);
  EXPECT_FALSE(s.to_json().contains("other_networks"));  // a run of one network keeps the first format
}

TEST(CheckpointSidecar, SeveralNetworksRoundTrip) {
  CheckpointSidecar s = example();
  s.contents.positions.push_back({2, 0, 0, 0, 0, 0});
  s.networks.push_back({"ckpt-e0002-s000009.net2.safetensors", "", false});
  const nlohmann::json j = s.to_json();
  ASSERT_TRUE(j.contains("other_networks"));
  const CheckpointSidecar r = CheckpointSidecar::parse(j.dump(), "ck.json");
  ASSERT_EQ(r.networks.size(), 2u);
  EXPECT_EQ(r.networks[1].weights, "ckpt-e0002-s000009.net2.safetensors");
  EXPECT_EQ(r.contents.positions[1].step, 0);
  EXPECT_EQ(r.to_json(), j);

  nlohmann::json other = j["other_networks"][0];
  other["position"]["epoch"] = 3;
  expect_rejected(with("other_networks", nlohmann::json::array({other})), "network 2 is at epoch 3");
  other["position"]["epoch"] = 2;
  other["weights"] = "../x";
  expect_rejected(with("other_networks", nlohmann::json::array({other})), "network 2: field 'weights' must name a file");
  expect_rejected(with("other_networks", nlohmann::json::array()), "non-empty list");
}

TEST(CheckpointSidecar, RejectsDamagedOrHostileFields) {
  expect_rejected("{\"format\": \"revive-checkpoint\", \"vers", "ck.json is not valid JSON");
  expect_rejected(with("format", "pt"), "not a revive checkpoint sidecar");
  expect_rejected(with("version", 2), "checkpoint version 2");
  expect_rejected(with("weights", "../../elsewhere.safetensors"), "field 'weights' must name a file");
  expect_rejected(with("weights", ""), "field 'weights' must name a file");
  expect_rejected(with("momentum", ".."), "field 'momentum' must name a file");
  expect_rejected(with("momentum_initialised", 1), "true or false");
  expect_rejected(with("rng", {{"seed", -1}}), "ck.json: rng: field 'seed'");
  nlohmann::json position = example().contents.positions[0].to_json();
  position["epoch"] = 1e300;
  expect_rejected(with("position", position), "position: field 'epoch' must be an integer");
  position["epoch"] = 1;
  position["correct"] = 65;
  expect_rejected(with("position", position), "field 'correct' is outside [0, 64]");
}

}  // namespace
}  // namespace revive
