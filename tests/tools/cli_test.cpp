// The revive binary as a user meets it: help, a short run on synthetic data, eval of its weights,
// and clear errors with a non-zero exit and no completed-looking output for bad input.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tools/run_binary.h"
#include "support/scratch_path.h"

namespace {

namespace fs = std::filesystem;

using Result = revive::testing::RunResult;
Result run(const std::string& args) { return revive::testing::run_revive(args); }

fs::path fresh_dir(const std::string& name) {
  fs::path d = revive::testing::scratch_path("cli_" + name);
  fs::remove_all(d);
  return d;
}

TEST(Cli, HelpListsCommandsAndOptions) {
  Result r = run("--help");
  EXPECT_EQ(r.status, 0);
  for (const char* s : {"train", "eval", "info"}) EXPECT_NE(r.output.find(s), std::string::npos) << s;
  r = run("train --help");
  EXPECT_EQ(r.status, 0);
  for (const char* s : {"--model", "--epochs", "--lr", "--schedule", "--seed", "--threads", "--method"}) {
    EXPECT_NE(r.output.find(s), std::string::npos) << s;
  }
  r = run("info");
  EXPECT_EQ(r.status, 0);
  // The CUDA section names the library versions and the devices found, or why there are none.
  EXPECT_NE(r.output.find("CUDA backend:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("devices: cpu"), std::string::npos) << r.output;
  // The host (CPU model, oneDNN's instruction set) and how convolution routes are chosen: measured,
  // and REVIVE_NO_WINOGRAD=1 turning Winograd off.
  EXPECT_NE(r.output.find("CPU: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("oneDNN kernels for "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("CPU convolution routes: auto: the fastest route"), std::string::npos) << r.output;
  ASSERT_EQ(setenv("REVIVE_NO_WINOGRAD", "1", 1), 0);
  r = run("info");
  unsetenv("REVIVE_NO_WINOGRAD");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("CPU convolution routes: direct: no Winograd route"), std::string::npos) << r.output;
}

TEST(Cli, TrainsOnSyntheticDataThenEvaluatesTheWeights) {
  const fs::path out = fresh_dir("train");
  Result r = run("train --dataset synthetic --model cnn --epochs 2 --batch 32 --threads 2 --no-progress --out " +
                 out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* f : {"config.json", "metrics.jsonl", "model.safetensors", "summary.json"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
  }
  std::ifstream is(out / "metrics.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(is, line)) {
    EXPECT_TRUE(nlohmann::json::parse(line).contains("test_acc"));
    ++lines;
  }
  EXPECT_EQ(lines, 2);
  r = run("eval --dataset synthetic --model cnn --weights " + (out / "model.safetensors").string());
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_GT(j["test_acc"].get<double>(), 0.5);
  // One WE step on the saved weights, as a PyTorch user would run it on theirs.
  const fs::path we_out = out / "we.safetensors", state = out / "we_state.json";
  r = run("reactivate --method we --we-preset reference --model cnn --epoch 5 --in " +
          (out / "model.safetensors").string() + " --out " + we_out.string() + " --state " + state.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(state));
  const nlohmann::json step = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_TRUE(step["report"].contains("pools")) << r.output;
  r = run("eval --dataset synthetic --model cnn --weights " + we_out.string());
  EXPECT_EQ(r.status, 0) << r.output;
  r = run("reactivate --method we --model resnet20 --epoch 5 --in " + (out / "model.safetensors").string() +
          " --out " + (out / "x.safetensors").string());
  EXPECT_NE(r.status, 0);
  EXPECT_FALSE(fs::exists(out / "x.safetensors"));
  // Weights of another architecture are refused with the mismatching names.
  r = run("eval --dataset synthetic --model resnet20 --weights " + (out / "model.safetensors").string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("does not match the model"), std::string::npos) << r.output;
  fs::remove_all(out);
}

TEST(Cli, UnwritableOutputIsAnErrorBeforeTraining) {
  const Result r = run("train --dataset synthetic --out /proc/revive-cannot-write/run");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("output directory"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("epoch 1/"), std::string::npos) << r.output;
}

TEST(Cli, BadInputIsAClearErrorWithNoCompletedOutput) {
  struct Case {
    std::string args, expect;
  };
  const fs::path missing = fresh_dir("no_such_data");
  const std::vector<Case> cases{
      {"train --model resnet19", "--model resnet19: must be one of resnet20"},
      {"train --dataset mnist", "--dataset mnist: must be one of fashion-mnist"},
      {"train --method magic", "--method magic: must be one of none"},
      {"train --schedule sometimes", "schedule"},
      {"train --data-dir " + missing.string(), "dataset-fashion-mnist"},
      {"train --dataset cifar10", "--data-dir"},
      {"train --epochs 0", "--epochs"},
      {"train --no-such-option", "no-such-option"},
      {"train --device cuda:99", "cuda:99"},  // absent on every machine: no GPU, no build, or too few
      {"eval --weights /nonexistent.safetensors", "/nonexistent.safetensors"},
  };
  for (const Case& c : cases) {
    const fs::path out = fresh_dir("bad");
    const bool train = c.args.rfind("train", 0) == 0;
    const Result r = run(train ? c.args + " --out " + out.string() : c.args);
    EXPECT_NE(r.status, 0) << c.args;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_FALSE(fs::exists(out / "summary.json")) << c.args;
    EXPECT_FALSE(fs::exists(out / "model.safetensors")) << c.args;
    fs::remove_all(out);
  }
}

}  // namespace
