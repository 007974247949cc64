// A run's CPU convolution routes (run/conv_route_pins.h) are pinned when it resumes: interrupted,
// then resumed after the route cache was replaced by one that names other routes, a run ends with
// the uninterrupted run's weights, bit for bit; a fresh run takes the new cache's routes. A run
// folder written before routes were recorded still resumes. config.json names the host.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "tools/run_binary.h"
#include "tools/run_files.h"

namespace {

namespace fs = std::filesystem;
using revive::testing::read_file;
using revive::testing::run_revive;

const std::string kArgs = "train --dataset synthetic --model cnn --batch 32 --threads 2 --device cpu --no-progress";
const std::string kRun = kArgs + " --epochs 2";

fs::path fresh_dir(const std::string& name) { return revive::testing::fresh_dir("revive_conv_routes_", name); }

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(read_file(p)); }

// An entry's key: every field but the route and how it was chosen.
nlohmann::json key_of(nlohmann::json entry) {
  for (const char* k : {"route", "chosen_by", "measured_ms"}) entry.erase(k);
  return entry;
}

std::map<std::string, std::string> routes_of(const fs::path& run) {
  std::map<std::string, std::string> m;
  const nlohmann::json record = read_json(run / "routes.json");
  for (const auto& e : record["routes"]) m[key_of(e).dump()] = e["route"];
  return m;
}

void use_cache(const fs::path& dir) { setenv("XDG_CACHE_HOME", dir.c_str(), 1); }

TEST(ConvRoutesResume, PinnedRoutesSurviveAResumeWithADifferentCacheInBetween) {
  const fs::path cache1 = fresh_dir("cache1"), cache2 = fresh_dir("cache2");
  const fs::path a = fresh_dir("a"), b = fresh_dir("b"), c = fresh_dir("c");
  use_cache(cache1);
  ASSERT_EQ(run_revive(kRun + " --out " + a.string()).status, 0);
  const auto stopped = run_revive(kRun + " --out " + b.string() + " --stop-after-steps 20");
  ASSERT_EQ(stopped.status, 130) << stopped.output;
  EXPECT_EQ(routes_of(a), routes_of(b));

  // The second cache names, for every key the first run measured among several routes, another one.
  std::map<std::string, std::string> other;
  const nlohmann::json record_a = read_json(a / "routes.json");
  for (const auto& e : record_a["routes"]) {
    if (!e.contains("measured_ms")) continue;
    for (const auto& [route, ms] : e["measured_ms"].items()) {
      if (route != e["route"]) other[key_of(e).dump()] = route;
    }
  }
  ASSERT_FALSE(other.empty()) << "no layer of the run had two routes to choose from";
  const fs::path file1 = cache1 / "revive" / "conv_routes.json";
  nlohmann::json cache = read_json(file1);
  for (auto& host : cache["hosts"]) {
    for (auto& e : host["routes"]) {
      auto it = other.find(key_of(e).dump());
      if (it != other.end()) e["route"] = it->second;
    }
  }
  fs::create_directories(cache2 / "revive");
  std::ofstream(cache2 / "revive" / "conv_routes.json") << cache.dump();
  use_cache(cache2);

  const auto resumed = run_revive("train --resume " + b.string() + " --no-progress");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_EQ(read_file(a / "model.safetensors"), read_file(b / "model.safetensors"));
  EXPECT_EQ(routes_of(a), routes_of(b));

  // Without the record, the new cache would have been used.
  ASSERT_EQ(run_revive(kRun + " --out " + c.string()).status, 0);
  const auto fresh = routes_of(c);
  for (const auto& [key, route] : other) EXPECT_EQ(fresh.at(key), route) << key;
  for (const fs::path& d : {cache1, cache2, a, b, c}) fs::remove_all(d);
}

TEST(ConvRoutesResume, AFolderWithoutARecordStillResumes) {
  const fs::path cache = fresh_dir("cache3"), b = fresh_dir("old");
  use_cache(cache);
  ASSERT_EQ(run_revive(kRun + " --out " + b.string() + " --stop-after-steps 20").status, 130);
  fs::remove(b / "routes.json");
  nlohmann::json config = read_json(b / "config.json");
  EXPECT_EQ(config["conv_routes"], "auto");
  EXPECT_TRUE(config["host"].contains("isa"));
  config.erase("conv_routes");  // as a run folder of an older revive
  std::ofstream(b / "config.json") << config.dump(2);
  const auto resumed = run_revive("train --resume " + b.string() + " --no-progress");
  EXPECT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_TRUE(fs::exists(b / "routes.json"));
  fs::remove_all(cache);
  fs::remove_all(b);
}

TEST(ConvRoutesResume, DirectModeRecordsNoWinogradRoute) {
  const fs::path cache = fresh_dir("cache4"), d = fresh_dir("direct");
  use_cache(cache);
  ASSERT_EQ(run_revive(kArgs + " --epochs 1 --limit-train 64 --conv-routes direct --out " + d.string()).status, 0);
  const nlohmann::json record = read_json(d / "routes.json");
  EXPECT_EQ(record["mode"], "direct");
  ASSERT_FALSE(record["routes"].empty());
  for (const auto& e : record["routes"]) {
    EXPECT_EQ(e["route"].get<std::string>().find("winograd"), std::string::npos) << e;
    EXPECT_EQ(e["chosen_by"], "rule");
  }
  EXPECT_FALSE(fs::exists(cache / "revive" / "conv_routes.json")) << "the direct mode measures nothing";
  fs::remove_all(cache);
  fs::remove_all(d);
}

}  // namespace
