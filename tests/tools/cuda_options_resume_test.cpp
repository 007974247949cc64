// `revive train --deterministic --tf32 --cudnn-benchmark --cuda-graph` on the CPU: accepted, recorded
// in config.json, and nothing changes (the weights of a run without them, bit for bit), an
// interrupted run resumes with them; a run folder written before they existed resumes as those
// runs trained; `--cuda-graph on` is refused on the CPU before anything is written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tools/run_binary.h"
#include "tools/run_files.h"

namespace {

namespace fs = std::filesystem;
using revive::testing::read_file;
using revive::testing::run_revive;

fs::path fresh_dir(const std::string& name) { return revive::testing::fresh_dir("revive_cuda_options_", name); }

const std::string kRun =
    "train --dataset synthetic --model cnn --epochs 2 --batch 32 --limit-train 256 --limit-test 128 --threads 2 "
    "--device cpu --no-progress";
const std::string kOptions = " --deterministic --tf32 --cudnn-benchmark --cuda-graph off";

nlohmann::json config_of(const fs::path& run) { return nlohmann::json::parse(read_file(run / "config.json")); }

TEST(CudaOptionsResume, RecordedOnTheCpuChangeNothingAndResume) {
  const fs::path plain = fresh_dir("plain"), with = fresh_dir("with");
  ASSERT_EQ(run_revive(kRun + " --out " + plain.string()).status, 0);
  const auto stopped = run_revive(kRun + kOptions + " --out " + with.string() + " --stop-after-steps 11");
  ASSERT_EQ(stopped.status, 130) << stopped.output;
  const nlohmann::json c = config_of(with);
  EXPECT_EQ(c["deterministic"], true);
  EXPECT_EQ(c["tf32"], true);
  EXPECT_EQ(c["cudnn_benchmark"], true);
  EXPECT_EQ(c["cuda_graph"], "off");
  EXPECT_EQ(config_of(plain)["cuda_graph"], "auto");
  const auto resumed = run_revive("train --resume " + with.string() + " --no-progress");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("steps: eager"), std::string::npos) << resumed.output;
  EXPECT_EQ(read_file(plain / "model.safetensors"), read_file(with / "model.safetensors"));
  EXPECT_EQ(revive::testing::metrics_without_times(plain), revive::testing::metrics_without_times(with));
  for (const nlohmann::json& line : revive::testing::metrics_without_times(with)) {
    EXPECT_EQ(line["step_route"], "eager");
  }
  fs::remove_all(plain);
  fs::remove_all(with);
}

TEST(CudaOptionsResume, ARunFolderFromBeforeTheOptionsResumes) {
  const fs::path a = fresh_dir("a"), b = fresh_dir("b");
  ASSERT_EQ(run_revive(kRun + " --out " + a.string()).status, 0);
  ASSERT_EQ(run_revive(kRun + " --out " + b.string() + " --stop-after-steps 11").status, 130);
  nlohmann::json older = config_of(b);
  for (const char* key : {"deterministic", "tf32", "cudnn_benchmark", "cuda_graph"}) older.erase(key);
  std::ofstream(b / "config.json") << older.dump(2);
  const auto resumed = run_revive("train --resume " + b.string() + " --no-progress");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_EQ(read_file(a / "model.safetensors"), read_file(b / "model.safetensors"));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(CudaOptionsResume, AGraphOnTheCpuIsRefusedBeforeAnythingIsWritten) {
  const fs::path out = fresh_dir("on");
  const auto r = run_revive(kRun + " --cuda-graph on --out " + out.string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("--cuda-graph on: CUDA Graphs need a CUDA device, and this run is on cpu"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out / "config.json"));
  fs::remove_all(out);
}

}  // namespace
