// `revive study` end to end on a tiny synthetic set: the study folder, its plan, and resuming after
// an interruption: a stop in the middle of a run (the hidden --stop-after-steps acts as Ctrl-C at a
// chosen step), then a kill -9 in the middle of another. The finished runs are kept as they were,
// no run is trained twice, and every run ends with the weights and metrics of an uninterrupted
// study, bit for bit (CPU, same thread count).
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tools/run_binary.h"
#include "tools/run_files.h"

namespace {

namespace fs = std::filesystem;
using revive::testing::run_revive;
using revive::testing::run_revive_and_signal;

const std::string kStudy =
    "study --dataset synthetic --model cnn --epochs 2 --batch 32 --limit-train 256 --limit-test 128 --threads 1 "
    "--device cpu --no-progress --no-plots --seeds 2 --variant none --variant \"we --we-preset reference\"";
const std::vector<std::string> kRuns{"none/seed0", "we--we-preset-reference/seed0", "none/seed1",
                                     "we--we-preset-reference/seed1"};

fs::path fresh_dir(const std::string& name) { return revive::testing::fresh_dir("revive_study_", name); }
using revive::testing::read_file;
std::vector<nlohmann::json> metrics(const fs::path& dir) { return revive::testing::metrics_without_times(dir); }

TEST(Study, WritesRunsReportAndLogsTheCensus) {
  const fs::path a = fresh_dir("plain");
  const auto r = run_revive(kStudy + " --out " + a.string());
  ASSERT_EQ(r.status, 0) << r.output;
  for (const std::string& run : kRuns) {
    EXPECT_TRUE(fs::exists(a / run / "summary.json")) << run;
    const std::vector<nlohmann::json> m = metrics(a / run);
    ASSERT_EQ(m.size(), 2u) << run;
    // Every method's epochs carry the dead-filter census.
    EXPECT_EQ(m[1]["filters"]["fraction_below"].size(), 5u) << run;
    EXPECT_GT(m[1]["filters"]["conv_filters"].get<int>(), 0) << run;
  }
  for (const char* f : {"study.json", "report.md", "report.csv", "runs.csv"}) EXPECT_TRUE(fs::exists(a / f)) << f;
  EXPECT_NE(r.output.find("| we--we-preset-reference | 2/2 |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("study ETA"), std::string::npos) << r.output;
  // Asking for another study in the same folder is refused.
  const auto other = run_revive(kStudy + " --variant we --out " + a.string());
  EXPECT_EQ(other.status, 1);
  EXPECT_NE(other.output.find("holds another study"), std::string::npos) << other.output;
  fs::remove_all(a);
}

TEST(Study, InterruptedTwiceResumesWithoutLosingOrRepeatingARun) {
  const fs::path a = fresh_dir("a"), b = fresh_dir("b");
  ASSERT_EQ(run_revive(kStudy + " --out " + a.string()).status, 0);

  // Stopped 4 steps into the second run (8 steps per epoch, 16 per run).
  const auto stopped = run_revive(kStudy + " --out " + b.string() + " --stop-after-steps 20");
  ASSERT_EQ(stopped.status, 130) << stopped.output;
  EXPECT_NE(stopped.output.find("revive study --out " + b.string()), std::string::npos) << stopped.output;
  EXPECT_TRUE(fs::exists(b / kRuns[0] / "summary.json"));
  EXPECT_TRUE(fs::exists(b / kRuns[1] / "checkpoints" / "ckpt-e0000-s000004.json"));
  EXPECT_FALSE(fs::exists(b / kRuns[1] / "summary.json"));
  const auto plan = run_revive("study --plan --out " + b.string());
  ASSERT_EQ(plan.status, 0) << plan.output;
  EXPECT_EQ(plan.output, "0\tnone\t0\t" + (b / kRuns[0]).string() + "\tfinished\n" +
                             "1\twe--we-preset-reference\t0\t" + (b / kRuns[1]).string() + "\tpartial\n" +
                             "2\tnone\t1\t" + (b / kRuns[2]).string() + "\tto do\n" +
                             "3\twe--we-preset-reference\t1\t" + (b / kRuns[3]).string() + "\tto do\n");
  const auto first_model = fs::last_write_time(b / kRuns[0] / "model.safetensors");

  // Resumed with --out alone, then killed outright once the third run has finished its first epoch.
  const auto killed =
      run_revive_and_signal("study --no-progress --no-plots --out " + b.string(), "run 3/4 (none, seed 1): epoch 1/2",
                            SIGKILL);
  EXPECT_EQ(killed.status, -1) << killed.output;
  EXPECT_NE(killed.output.find("run 1/4 (none, seed 0): finished earlier, kept"), std::string::npos) << killed.output;
  EXPECT_NE(killed.output.find("run 2/4 (we--we-preset-reference, seed 0): resuming from its checkpoint"),
            std::string::npos)
      << killed.output;
  EXPECT_TRUE(fs::exists(b / kRuns[1] / "summary.json"));

  const auto resumed = run_revive("study --no-progress --no-plots --out " + b.string());
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("run 2/4 (we--we-preset-reference, seed 0): finished earlier, kept"),
            std::string::npos);
  EXPECT_EQ(fs::last_write_time(b / kRuns[0] / "model.safetensors"), first_model);  // not trained again
  for (const std::string& run : kRuns) {
    EXPECT_EQ(read_file(a / run / "model.safetensors"), read_file(b / run / "model.safetensors")) << run;
    EXPECT_EQ(metrics(a / run), metrics(b / run)) << run;
  }
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(Study, ShardsRunTheirOwnRuns) {
  const fs::path d = fresh_dir("shard");
  const auto r = run_revive(kStudy + " --shard 1/2 --out " + d.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(fs::exists(d / kRuns[0]));
  EXPECT_TRUE(fs::exists(d / kRuns[1] / "summary.json"));
  EXPECT_FALSE(fs::exists(d / kRuns[2]));
  EXPECT_TRUE(fs::exists(d / kRuns[3] / "summary.json"));
  const auto report = run_revive("study --no-plots --report " + d.string());
  ASSERT_EQ(report.status, 0) << report.output;
  EXPECT_NE(report.output.find("Runs finished: 2/4"), std::string::npos) << report.output;
  fs::remove_all(d);
}

// A CSV file without the columns that hold times (which differ from run to run).
std::vector<std::vector<std::string>> csv_without_times(const fs::path& file) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream is(read_file(file));
  std::string line;
  std::vector<bool> keep;
  while (std::getline(is, line)) {
    std::vector<std::string> cells;
    std::istringstream cs(line);
    for (std::string cell; std::getline(cs, cell, ',');) cells.push_back(cell);
    if (keep.empty()) {
      for (const std::string& c : cells)
        keep.push_back(c.find("seconds") == std::string::npos && c.find("reactivation") == std::string::npos &&
                       c != "overhead");
    }
    std::vector<std::string> kept;
    for (size_t i = 0; i < cells.size(); ++i)
      if (i >= keep.size() || keep[i]) kept.push_back(cells[i]);
    rows.push_back(kept);
  }
  return rows;
}

// The shards of a Slurm array job (docs/studies.md), as local processes started at once on one
// folder: the merged report holds what the study in one process gives, figure for figure but the
// times, and every run's weights are the same.
TEST(Study, ShardsAsProcessesMergeIntoTheOneProcessReport) {
  const fs::path one = fresh_dir("one"), shards = fresh_dir("shards");
  ASSERT_EQ(run_revive(kStudy + " --out " + one.string()).status, 0);
  const std::string bin = revive::testing::revive_binary() + " " + kStudy + " --out " + shards.string();
  const auto both = revive::testing::run_shell("(" + bin + " --shard 0/2 & " + bin + " --shard 1/2 & wait)");
  ASSERT_EQ(both.status, 0) << both.output;
  const auto report = run_revive("study --no-plots --report " + shards.string());
  ASSERT_EQ(report.status, 0) << report.output;
  EXPECT_NE(report.output.find("Runs finished: 4/4"), std::string::npos) << report.output;
  for (const char* f : {"report.csv", "runs.csv"}) {
    const auto rows = csv_without_times(one / f);
    EXPECT_GT(rows.size(), 2u) << f;
    EXPECT_EQ(rows, csv_without_times(shards / f)) << f;
  }
  for (const std::string& run : kRuns)
    EXPECT_EQ(read_file(one / run / "model.safetensors"), read_file(shards / run / "model.safetensors")) << run;
  fs::remove_all(one);
  fs::remove_all(shards);
}

TEST(Study, BadRequestsSayWhatIsWrong) {
  const auto none = run_revive("study --out " + fresh_dir("empty").string());
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.output.find("a study needs variants"), std::string::npos) << none.output;
  const auto both = run_revive("study --variant none --seeds 2 --seed-list 1,2");
  EXPECT_NE(both.output.find("not both"), std::string::npos) << both.output;
  const auto seed = run_revive("study --variant \"we --seed 1\"");
  EXPECT_NE(seed.output.find("seeds are the study's"), std::string::npos) << seed.output;
}

}  // namespace
