// A run's routes record (run/conv_route_pins.h): written when the routes change, pinned again on
// resume with its layout; a missing record changes nothing, a damaged one is ignored with a
// warning; the run options take --conv-routes, and an older config.json without it reads as auto.
#include "run/conv_route_pins.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/runtime_options.h"
#include "kernels/conv2d.h"
#include "kernels/cpu/conv2d_cpu.h"
#include "kernels/cpu/conv_route_table.h"
#include "kernels/layout.h"
#include "run/run_config.h"
#include "support/error_message.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

namespace fs = std::filesystem;
namespace kc = kernels::cpu;

class RoutePins : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("revive_route_pins_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    kc::reset_conv_routes();
    kc::set_conv_route_mode(kc::ConvRouteMode::kDirect);  // nothing measured: the pins are the point
  }
  void TearDown() override {
    kc::reset_conv_routes();
    kc::set_conv_route_mode(kc::ConvRouteMode::kAuto);
    kernels::set_preferred_layout(std::nullopt);
    fs::remove_all(dir_);
  }
  // A forward pass with several candidate routes; returns its key.
  kc::ConvRouteKey forward() {
    kernels::Conv2dParams p;
    p.pad_h = p.pad_w = 1;
    const Tensor x = testing::random_tensor({2, 16, 6, 6}, 3, -1, 1, kernels::native_layout());
    const Tensor w = testing::random_tensor({16, 16, 3, 3}, 4);
    kernels::conv2d_forward(x, w, Tensor(), p, kernels::native_layout());
    const kernels::Conv2dShape s = kernels::conv2d_shape(x.shape(), w.shape(), p);
    return kc::conv_route_key(kc::ConvPass::kForward, s, p, x.layout(), kernels::native_layout(), false);
  }
  fs::path dir_;
};

TEST_F(RoutePins, TheRecordPinsTheSameRoutesAndLayoutOnResume) {
  // A route the direct mode would never take, pinned as a resumed run's record would be.
  const kc::ConvRouteKey key = forward();
  kc::reset_conv_routes();
  kc::pin_conv_routes({{key, kc::ConvRoute::kOneDnnDirect}});
  forward();
  record_conv_routes(dir_.string());
  const nlohmann::json record = nlohmann::json::parse(std::ifstream(dir_ / "routes.json"));
  EXPECT_EQ(record["format"], "revive conv routes");
  EXPECT_EQ(record["layout"], layout_name(kernels::native_layout()));
  ASSERT_EQ(record["routes"].size(), 1u);
  EXPECT_EQ(record["routes"][0]["route"], "onednn_direct");
  EXPECT_EQ(record["routes"][0]["chosen_by"], "pinned");

  kc::reset_conv_routes();
  kernels::set_preferred_layout(Layout::kPlain);
  pin_recorded_conv_routes(dir_.string());
  EXPECT_EQ(kernels::preferred_layout(), kernels::native_layout());
  const uint64_t runs = kc::conv_route_runs(kc::ConvRoute::kOneDnnDirect);
  forward();
  EXPECT_EQ(kc::conv_route_runs(kc::ConvRoute::kOneDnnDirect), runs + 1);
  EXPECT_EQ(kc::conv_route_choices().at(0).source, kc::RouteSource::kPinned);
}

TEST_F(RoutePins, RecordsOnlyWhenTheRoutesChanged) {
  forward();
  record_conv_routes(dir_.string());
  ASSERT_TRUE(fs::exists(dir_ / "routes.json"));
  fs::remove(dir_ / "routes.json");
  record_conv_routes(dir_.string());
  EXPECT_FALSE(fs::exists(dir_ / "routes.json"));  // nothing new since the last write
  kc::pin_conv_routes({});
  forward();
  record_conv_routes(dir_.string());
  EXPECT_TRUE(fs::exists(dir_ / "routes.json"));
}

TEST_F(RoutePins, AMissingRecordChangesNothingADamagedOneIsIgnoredWithAWarning) {
  pin_recorded_conv_routes(dir_.string());
  EXPECT_EQ(kernels::preferred_layout(), kernels::native_layout());
  const std::string damaged[] = {
      "{\"format\": \"revive conv routes\", \"version\": 1, \"host\": {}, \"layout\": \"nChw8c\", \"routes\": [",
      R"({"format": "revive conv routes", "version": 1, "host": {}, "layout": "nChw99c", "routes": []})",
      R"({"format": "revive conv routes", "version": 1, "host": {}, "layout": "plain", "routes": [{"route": "x"}]})",
      R"({"format": "revive conv routes", "version": 7, "host": {}, "layout": "plain", "routes": []})"};
  for (const std::string& text : damaged) {
    std::ofstream(dir_ / "routes.json") << text;
    ::testing::internal::CaptureStderr();
    pin_recorded_conv_routes(dir_.string());
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("record is ignored"), std::string::npos) << text << "\n" << err;
    EXPECT_EQ(kernels::preferred_layout(), kernels::native_layout()) << text;
  }
}

TEST(RunOptionsConvRoutes, TakesTheThreeModesAndOlderRunsReadAsAuto) {
  nlohmann::json j = run_config_to_json(RunConfig{});
  EXPECT_EQ(j["conv_routes"], "auto");
  j["conv_routes"] = "winograd";
  EXPECT_EQ(run_config_from_json(j, "config.json").conv_routes, "winograd");
  j["conv_routes"] = "fastest";
  EXPECT_ERROR(run_config_from_json(j, "config.json"), "conv_routes");
  j.erase("conv_routes");
  EXPECT_EQ(run_config_from_json(j, "config.json").conv_routes, "auto");
  // Other options stay required.
  j.erase("batch");
  EXPECT_ERROR(run_config_from_json(j, "config.json"), "'batch' is missing");
}

}  // namespace
}  // namespace revive
