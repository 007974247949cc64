// The route cache file (kernels/cpu/conv_route_cache.h) is an input like any other: damaged or
// hostile content is ignored with a warning, entry by entry where the rest is sound, and never
// trusted; a sound file round-trips, keeps other hosts' entries, and settles concurrent writers
// on the first route stored.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kernels/cpu/conv_route_cache.h"
#include "kernels/cpu/conv_route_table.h"

namespace revive::kernels::cpu {
namespace {

namespace fs = std::filesystem;

ConvRouteKey sample_key(int64_t channels = 16) {
  Conv2dParams p;
  p.pad_h = p.pad_w = 1;
  const Conv2dShape s = conv2d_shape({1, channels, 8, 8}, {channels, channels, 3, 3}, p);
  return conv_route_key(ConvPass::kForward, s, p, Layout::kBlocked16, Layout::kBlocked16, false);
}

nlohmann::json file_with(const nlohmann::json& host, const nlohmann::json& routes) {
  const nlohmann::json block{{"host", host}, {"routes", routes}};
  return {{"format", "revive conv route cache"}, {"version", 4}, {"hosts", nlohmann::json::array({block})}};
}

nlohmann::json good_entry(int64_t channels = 16) { return route_entry_json(sample_key(channels), ConvRoute::kOneDnnDirect); }

TEST(RouteCacheParse, ASoundFileRoundTrips) {
  const nlohmann::json host = route_cache_host();
  const RouteCacheContents c = parse_route_cache(file_with(host, {good_entry(16), good_entry(32)}).dump(), host);
  EXPECT_TRUE(c.problems.empty());
  ASSERT_EQ(c.entries.size(), 2u);
  EXPECT_EQ(c.entries[0].first, sample_key(16));
  EXPECT_EQ(c.entries[1].second, ConvRoute::kOneDnnDirect);
}

TEST(RouteCacheParse, OtherHostsEntriesAreNotThisHosts) {
  nlohmann::json other = route_cache_host();
  other["cpu"] = "Some Other CPU";
  const RouteCacheContents c = parse_route_cache(file_with(other, nlohmann::json::array({good_entry()})).dump(), route_cache_host());
  EXPECT_TRUE(c.problems.empty());
  EXPECT_TRUE(c.entries.empty());
  nlohmann::json threads = route_cache_host();
  threads["threads"] = threads["threads"].get<int>() + 1;
  EXPECT_TRUE(parse_route_cache(file_with(threads, nlohmann::json::array({good_entry()})).dump(), route_cache_host()).entries.empty());
}

TEST(RouteCacheParse, DamagedFilesYieldNothing) {
  const nlohmann::json host = route_cache_host();
  const std::string sound = file_with(host, nlohmann::json::array({good_entry()})).dump();
  nlohmann::json wrong_version = nlohmann::json::parse(sound);
  wrong_version["version"] = 2;
  nlohmann::json hosts_not_array = nlohmann::json::parse(sound);
  hosts_not_array["hosts"] = "all of them";
  nlohmann::json too_many_hosts = nlohmann::json::parse(sound);
  for (int i = 0; i < 64; ++i) too_many_hosts["hosts"].push_back(too_many_hosts["hosts"][0]);
  const std::string texts[] = {"",
                               sound.substr(0, sound.size() / 2),  // truncated
                               "[1, 2, 3]",
                               "{\"format\": \"something else\", \"version\": 1, \"hosts\": []}",
                               wrong_version.dump(),
                               hosts_not_array.dump(),
                               too_many_hosts.dump(),
                               std::string(100, '[')};
  for (const std::string& text : texts) {
    SCOPED_TRACE(text.substr(0, 80));
    const RouteCacheContents c = parse_route_cache(text, host);
    EXPECT_FALSE(c.problems.empty());
    EXPECT_TRUE(c.entries.empty());
  }
}

TEST(RouteCacheParse, BadEntriesAreDroppedAndTheRestKept) {
  const nlohmann::json host = route_cache_host();
  std::vector<nlohmann::json> bad;
  auto with = [](const char* field, nlohmann::json value) {
    nlohmann::json e = good_entry();
    e[field] = std::move(value);
    return e;
  };
  bad.push_back(with("route", "the_fastest_route_ever"));        // unknown route
  bad.push_back(with("route", 3));                               // wrong type
  bad.push_back(with("pass", "sideways"));                       // unknown pass
  bad.push_back(with("input", {16, 8}));                         // too few dimensions
  bad.push_back(with("input", {"16", 8, 8}));                    // wrong type
  bad.push_back(with("input", {16, 1e300, 8}));                  // huge number
  bad.push_back(with("input", {16, int64_t{1} << 62, 8}));      // huge integer
  bad.push_back(with("output_channels", -16));                   // negative
  bad.push_back(with("kernel", {11, 11}));                        // larger than the padded input
  bad.push_back(with("groups", 3));                               // does not divide the channels
  bad.push_back(with("layouts", {"nChw16c", "nChw32c"}));         // unknown layout
  bad.push_back(with("bias", "no"));                              // wrong type
  bad.push_back(nlohmann::json("an entry"));                      // not an object
  nlohmann::json missing = good_entry();
  missing.erase("stride");
  bad.push_back(missing);
  nlohmann::json routes = nlohmann::json::array({good_entry(16)});
  for (const auto& b : bad) routes.push_back(b);
  routes.push_back(good_entry(32));
  const RouteCacheContents c = parse_route_cache(file_with(host, routes).dump(), host);
  EXPECT_EQ(c.problems.size(), bad.size());
  ASSERT_EQ(c.entries.size(), 2u);
  EXPECT_EQ(c.entries[0].first, sample_key(16));
  EXPECT_EQ(c.entries[1].first, sample_key(32));
}

class RouteCacheFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("revive_route_cache_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    setenv("XDG_CACHE_HOME", dir_.c_str(), 1);
    forget_route_cache();
    path_ = conv_route_cache_path();
    fs::create_directories(fs::path(path_).parent_path());
  }
  void TearDown() override {
    forget_route_cache();
    fs::remove_all(dir_);
  }
  void write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
  std::string read() {
    std::ifstream is(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(is), {});
  }
  fs::path dir_;
  std::string path_;
};

TEST_F(RouteCacheFile, LivesUnderTheUsersCacheDirectory) {
  EXPECT_EQ(path_, (dir_ / "revive" / "conv_routes.json").string());
}

TEST_F(RouteCacheFile, ADamagedFileIsIgnoredWithAWarningAndReplacedBySoundOne) {
  write("{\"format\": \"revive conv route cache\", \"version\": 4, \"hosts\": [{\"host\": ");
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(cached_conv_route(sample_key()).has_value());
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("is damaged"), std::string::npos) << err;
  EXPECT_EQ(store_conv_route(sample_key(), ConvRoute::kWinogradAvx512, [](ConvRoute) { return true; }),
            ConvRoute::kWinogradAvx512);
  const RouteCacheContents c = parse_route_cache(read(), route_cache_host());
  EXPECT_TRUE(c.problems.empty());
  ASSERT_EQ(c.entries.size(), 1u);
  EXPECT_EQ(c.entries[0].second, ConvRoute::kWinogradAvx512);
}

TEST_F(RouteCacheFile, AnOversizedFileIsNotRead) {
  write(std::string(size_t{5} << 20, ' '));
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(cached_conv_route(sample_key()).has_value());
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("larger than"), std::string::npos);
}

TEST_F(RouteCacheFile, StoringKeepsOtherHostsAndTheFirstRouteOfAKey) {
  nlohmann::json other = route_cache_host();
  other["cpu"] = "Some Other CPU";
  write(file_with(other, nlohmann::json::array({good_entry()})).dump());
  auto any = [](ConvRoute) { return true; };
  EXPECT_EQ(store_conv_route(sample_key(), ConvRoute::kOneDnnWinograd, any), ConvRoute::kOneDnnWinograd);
  // Another process stored first: this one settles on its route, unless that route is not one
  // the caller accepts.
  forget_route_cache();
  EXPECT_EQ(store_conv_route(sample_key(), ConvRoute::kOneDnnDirect, any), ConvRoute::kOneDnnWinograd);
  EXPECT_EQ(store_conv_route(sample_key(), ConvRoute::kOneDnnDirect,
                             [](ConvRoute r) { return r != ConvRoute::kOneDnnWinograd; }),
            ConvRoute::kOneDnnDirect);
  const nlohmann::json j = nlohmann::json::parse(read());
  ASSERT_EQ(j["hosts"].size(), 2u);
  EXPECT_EQ(parse_route_cache(read(), other).entries.size(), 1u);
  const RouteCacheContents mine = parse_route_cache(read(), route_cache_host());
  ASSERT_EQ(mine.entries.size(), 1u);
  EXPECT_EQ(mine.entries[0].second, ConvRoute::kOneDnnDirect);
}

}  // namespace
}  // namespace revive::kernels::cpu
