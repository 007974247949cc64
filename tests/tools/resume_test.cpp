// Nothing lost: a run interrupted (by the test-only --stop-after-steps, or by a real SIGINT) and
// resumed ends with the same weights, bit for bit, and the same metrics as the uninterrupted run.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tools/run_binary.h"
#include "tools/run_files.h"

namespace {

namespace fs = std::filesystem;
using revive::testing::run_revive;

fs::path fresh_dir(const std::string& name) { return revive::testing::fresh_dir("revive_resume_", name); }
using revive::testing::read_file;
std::vector<nlohmann::json> metrics(const fs::path& dir) { return revive::testing::metrics_without_times(dir); }

// Resumes the run in `b` and expects it to end as the uninterrupted run in `a` did: the same
// weights, bit for bit, the same metrics and detail files. Removes both folders.
void expect_resume_matches(const fs::path& a, const fs::path& b) {
  const auto resumed = run_revive("train --resume " + b.string() + " --no-progress");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_EQ(read_file(a / "model.safetensors"), read_file(b / "model.safetensors"));
  for (int k = 2; fs::exists(a / ("model.net" + std::to_string(k) + ".safetensors")); ++k) {
    const std::string name = "model.net" + std::to_string(k) + ".safetensors";
    EXPECT_EQ(read_file(a / name), read_file(b / name)) << name;
  }
  EXPECT_EQ(metrics(a), metrics(b));
  for (const auto& e : fs::recursive_directory_iterator(a)) {  // methods' <method>/epoch_EEEE.json
    if (e.path().filename().string().rfind("epoch_", 0) == 0) {
      EXPECT_EQ(read_file(e.path()), read_file(b / fs::relative(e.path(), a))) << e.path();
    }
  }
  fs::remove_all(a);
  fs::remove_all(b);
}

// On the CPU: this is the bit-exact check; the default device is a GPU where one is present.
const std::string kRun =
    "train --dataset synthetic --model cnn --epochs 3 --batch 32 --threads 2 --device cpu --no-progress";

TEST(Resume, InterruptedMidEpochThenResumedEqualsUninterrupted) {
  const fs::path a = fresh_dir("a"), b = fresh_dir("b");
  ASSERT_EQ(run_revive(kRun + " --out " + a.string()).status, 0);
  const auto stopped = run_revive(kRun + " --out " + b.string() + " --stop-after-steps 25");
  EXPECT_EQ(stopped.status, 130) << stopped.output;
  EXPECT_NE(stopped.output.find("revive train --resume " + b.string()), std::string::npos) << stopped.output;
  EXPECT_FALSE(fs::exists(b / "model.safetensors"));
  EXPECT_TRUE(fs::exists(b / "checkpoints" / "ckpt-e0001-s000009.json"));  // 16 steps per epoch: 16 + 9
  expect_resume_matches(a, b);
}

TEST(Resume, WeightEvolutionRunResumesExactlyWithItsState) {
  // The reference preset's fallback counters persist across epochs: they must survive the resume.
  const std::string run = kRun + " --method we --we-preset reference --we-set rate_conv=0.3";
  const fs::path a = fresh_dir("we_a"), b = fresh_dir("we_b");
  ASSERT_EQ(run_revive(run + " --out " + a.string()).status, 0);
  EXPECT_EQ(run_revive(run + " --out " + b.string() + " --stop-after-steps 20").status, 130);
  expect_resume_matches(a, b);
}

TEST(Resume, KernelReactivationRunResumesExactlyWithItsState) {
  // A step every epoch (the count of steps applied is KR's state), interrupted in epoch 2.
  const std::string run = kRun + " --method kr --kr-set period=1 --kr-set gamma0=0.5";
  const fs::path a = fresh_dir("kr_a"), b = fresh_dir("kr_b");
  ASSERT_EQ(run_revive(run + " --out " + a.string()).status, 0);
  EXPECT_EQ(run_revive(run + " --out " + b.string() + " --stop-after-steps 20").status, 130);
  const auto lines = metrics(a);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2]["reactivation"]["steps_applied"], 3);
  EXPECT_GT(lines[0]["reactivation"]["rescaled_kernels"].get<int64_t>(), 0);
  expect_resume_matches(a, b);
}

// Several networks: interrupted while the second trains its first epoch (16 steps a network and
// epoch), resumed, it ends as the uninterrupted run; and the first network of the run is the run
// of one network with the same seed.
TEST(Resume, SeveralNetworksResumeExactlyAndTheFirstIsTheSingleNetworkRun) {
  const fs::path a = fresh_dir("nets_a"), b = fresh_dir("nets_b"), one = fresh_dir("nets_one");
  const std::string args = kRun + " --epochs 2 --seed 4";
  ASSERT_EQ(run_revive(args + " --models 2 --out " + a.string()).status, 0);
  ASSERT_EQ(run_revive(args + " --out " + one.string()).status, 0);
  EXPECT_EQ(read_file(a / "model.safetensors"), read_file(one / "model.safetensors"));
  const auto lines = metrics(a);
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_EQ(lines[0]["networks"].size(), 2u);
  EXPECT_EQ(lines[0]["test_acc"], lines[0]["networks"][0]["test_acc"]);
  EXPECT_EQ(metrics(one)[1]["test_acc"], lines[1]["test_acc"]);
  const nlohmann::json summary = nlohmann::json::parse(read_file(a / "summary.json"));
  const int best = summary["best_network"].get<int>();
  ASSERT_TRUE(best == 1 || best == 2) << summary;
  EXPECT_EQ(summary["best_network_test_acc"], lines[1]["networks"][best - 1]["test_acc"]);
  EXPECT_GE(summary["best_network_test_acc"].get<double>(), lines[1]["networks"][2 - best]["test_acc"].get<double>());
  EXPECT_GT(summary["ensemble_test_acc"].get<double>(), 0.25);  // 4 classes
  fs::remove_all(one);
  const auto r = run_revive(args + " --models 2 --stop-after-steps 20 --out " + b.string());
  ASSERT_EQ(r.status, 130) << r.output;
  expect_resume_matches(a, b);
}

// Filter Grafting with two networks, interrupted 8 steps into the second epoch (after a graft; 16
// steps a network and epoch), resumed: the networks, the metrics and the per-epoch detail files are
// those of the uninterrupted run.
TEST(Resume, FilterGraftingOfTwoNetworksResumesExactly) {
  const std::string run = kRun + " --epochs 2 --method fg --models 2";
  const fs::path a = fresh_dir("fg_a"), b = fresh_dir("fg_b");
  ASSERT_EQ(run_revive(run + " --out " + a.string()).status, 0);
  const auto lines = metrics(a);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["reactivation"]["detail_file"], "fg/epoch_0002.json");
  const auto r = run_revive(run + " --stop-after-steps 40 --out " + b.string());
  ASSERT_EQ(r.status, 130) << r.output;
  EXPECT_TRUE(fs::exists(b / "checkpoints" / "ckpt-e0001-s000008.json"));
  EXPECT_EQ(read_file(a / "fg/epoch_0001.json"), read_file(b / "fg/epoch_0001.json"));
  EXPECT_FALSE(fs::exists(b / "fg/epoch_0002.json"));
  expect_resume_matches(a, b);
}

TEST(Resume, FromAnEpochCheckpointAfterACrash) {
  const fs::path a = fresh_dir("c"), b = fresh_dir("d");
  ASSERT_EQ(run_revive(kRun + " --out " + a.string()).status, 0);
  ASSERT_EQ(run_revive(kRun + " --out " + b.string() + " --keep-last 5").status, 0);
  // Simulate a crash during epoch 3: drop the later checkpoints and outputs, keep epoch 2's.
  for (const auto& e : fs::directory_iterator(b / "checkpoints")) {
    if (e.path().filename().string().rfind("ckpt-e0002", 0) != 0) fs::remove(e.path());
  }
  fs::remove(b / "model.safetensors");
  fs::remove(b / "summary.json");
  expect_resume_matches(a, b);
}

TEST(Resume, AFailedCheckpointWriteKeepsThePreviousOneAndSaysSo) {
  const fs::path a = fresh_dir("fail");
  // A directory squatting on epoch 2's checkpoint name makes its atomic rename fail.
  fs::create_directories(a / "checkpoints" / "ckpt-e0002-s000000.safetensors" / "occupied");
  const auto r = run_revive(kRun + " --out " + a.string() + " --keep-last 5");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("checkpoint not written, the previous one is kept"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(a / "checkpoints" / "ckpt-e0001-s000000.json"));
  EXPECT_FALSE(fs::exists(a / "checkpoints" / "ckpt-e0002-s000000.json"));
  EXPECT_TRUE(fs::exists(a / "checkpoints" / "ckpt-e0003-s000000.json"));
  fs::remove_all(a);
}

TEST(Resume, KeepsOnlyTheNewestCheckpoints) {
  const fs::path a = fresh_dir("e");
  ASSERT_EQ(run_revive(kRun + " --out " + a.string() + " --keep-last 2").status, 0);
  int sidecars = 0;
  for (const auto& e : fs::directory_iterator(a / "checkpoints")) sidecars += e.path().extension() == ".json";
  EXPECT_EQ(sidecars, 2);
  EXPECT_TRUE(fs::exists(a / "checkpoints" / "ckpt-e0003-s000000.json"));
  fs::remove_all(a);
}

TEST(Resume, ClearErrorsForWhatCannotBeResumed) {
  const fs::path empty = fresh_dir("empty");
  fs::create_directories(empty);
  auto r = run_revive("train --resume " + empty.string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("config.json"), std::string::npos) << r.output;
  r = run_revive("train --resume " + empty.string() + " --epochs 9");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--resume continues a run with the options in its config.json; drop --epochs"),
            std::string::npos)
      << r.output;
  fs::remove_all(empty);
}

// A run folder edited or damaged since: each bad field is a clear error (status 1), never an
// internal error or a crash.
TEST(Resume, DamagedRunFilesAreClearErrors) {
  const fs::path a = fresh_dir("damaged");
  ASSERT_EQ(run_revive("train --dataset synthetic --model cnn --epochs 1 --batch 32 --threads 2 --no-progress "
                       "--out " + a.string()).status, 0);
  const std::string config = read_file(a / "config.json");
  const auto resume_with = [&](const fs::path& file, const std::string& key, const nlohmann::json& value) {
    nlohmann::json j = nlohmann::json::parse(read_file(file));
    j[key] = value;
    std::ofstream(file) << j.dump();
    return run_revive("train --resume " + a.string() + " --no-progress");
  };
  auto r = resume_with(a / "config.json", "batch", 1e300);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("config.json: 'batch': must be an integer in [1, "), std::string::npos) << r.output;
  r = resume_with(a / "config.json", "batch", 0);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("config.json: 'batch': must be an integer in [1, "), std::string::npos) << r.output;
  std::ofstream(a / "config.json") << config;
  r = resume_with(a / "checkpoints" / "ckpt-e0001-s000000.json", "weights", "../config.json");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("field 'weights' must name a file in the checkpoint's folder"), std::string::npos)
      << r.output;
  fs::remove_all(a);
}

TEST(Resume, SigintWritesACheckpointAndTheRunResumesExactly) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "needs the dataset-fashion-mnist package";
  const std::string run = "train --model cnn --limit-train 1024 --limit-test 256 --epochs 2 --batch 64 --threads 2 "
                          "--no-progress";
  const fs::path a = fresh_dir("sig_a"), b = fresh_dir("sig_b");
  ASSERT_EQ(run_revive(run + " --out " + a.string()).status, 0);
  // The signal arrives somewhere in epoch 2: wherever it lands, the resumed run must match.
  const auto r = revive::testing::run_revive_and_signal(run + " --out " + b.string(), "epoch 1/2  lr", SIGINT);
  if (r.status == 0) GTEST_SKIP() << "the run finished before the signal arrived";
  EXPECT_EQ(r.status, 130) << r.output;
  EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;
  expect_resume_matches(a, b);
}

}  // namespace
