// The CLI as a new user meets it: `revive --version`; a mistake (a missing file, a bad value) reads
// as a plain message, and where revive raised it only with --verbose (before or after the
// command); every numeric option of every command is checked in the user's terms; a damaged
// metrics.jsonl is an error naming its line and field, not an internal error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/run_binary.h"
#include "support/scratch_path.h"

namespace {

namespace fs = std::filesystem;

using revive::testing::run_revive;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(CliErrors, VersionIsPrinted) {
  const auto r = run_revive("--version");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.rfind(std::string("revive ") + REVIVE_VERSION, 0), 0u) << r.output;
}

TEST(CliErrors, AMistakeIsAPlainMessageAndVerboseAddsWhere) {
  const std::string missing = "reactivate --epoch 1 --in /nonexistent/w.safetensors --out /tmp/x.safetensors";
  auto r = run_revive(missing);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "revive: error: cannot open /nonexistent/w.safetensors: No such file or directory\n"))
      << r.output;
  EXPECT_FALSE(has(r.output, "check failed")) << r.output;
  EXPECT_FALSE(has(r.output, ".cpp:")) << r.output;
  for (const std::string& args : {"--verbose " + missing, missing + " --verbose"}) {
    r = run_revive(args);
    EXPECT_EQ(r.status, 1) << args;
    EXPECT_TRUE(has(r.output, "No such file or directory [core/safetensors.cpp:")) << args << "\n" << r.output;
    EXPECT_TRUE(has(r.output, "check failed: ")) << args << "\n" << r.output;
  }
  // A bad value is refused by its declaration, in the same words with or without --verbose.
  r = run_revive("train --batch 0");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "revive: error: --batch 0: must be an integer in [1, 1048576]\n")) << r.output;
}

TEST(CliErrors, EveryCommandsOwnNumericOptionsAreChecked) {
  // The run options of train, eval and reactivate are checked by their table (run_config_test);
  // these are the options the commands declare themselves, and WE's --we-set keys.
  struct Case {
    std::string args, expect;
  };
  const std::string io = " --in /nonexistent/w.safetensors --out /tmp/x.safetensors";
  const std::vector<Case> cases{
      {"reactivate --epoch -1" + io, "--epoch -1: must be an integer in [0, 16777216]"},
      {"reactivate --epoch 1.5" + io, "--epoch 1.5: must be an integer in [0, 16777216]"},
      {"reactivate --epoch 99999999" + io, "--epoch 99999999: must be an integer in [0, 16777216]"},
      {"reactivate --epoch 1 --groups conv=-2" + io, "--groups conv=-2: must be an integer in [1, 1048576]"},
      {"reactivate --epoch 1 --we-set eta=0" + io, "--we-set eta=0: must be a number > 0"},
      {"reactivate --epoch 1 --we-set rate_conv=2" + io, "--we-set rate_conv=2: must be a number in [0, 1]"},
      {"reactivate --epoch 1 --we-set nope=1" + io, "unknown WE option 'nope'; keys: rate_conv"},
      {"reactivate --epoch 1 --milestones 0" + io, "--milestones 0: each element must be an integer >= 1"},
      {"reactivate --in a --out b", "--epoch is required"},
      {"eval --weights w --limit-test -5", "--limit-test -5: must be an integer >= 0"},
      {"train --method we --we-set alpha=-1", "--we-set alpha=-1: must be a number in [0, 1], or adaptive"},
      {"train --threads -1", "--threads -1: must be an integer in [0, 4096]"},
  };
  for (const Case& c : cases) {
    const auto r = run_revive(c.args);
    EXPECT_NE(r.status, 0) << c.args;
    EXPECT_NE(r.status, 2) << c.args << ": an internal error\n" << r.output;
    EXPECT_TRUE(has(r.output, c.expect)) << c.args << "\n" << r.output;
  }
}

// A finished one-epoch run: --resume reads its metrics.jsonl back before anything else.
fs::path trained_run(const std::string& name) {
  const fs::path out = revive::testing::scratch_path("cli_errors_" + name);
  fs::remove_all(out);
  const auto r = run_revive("train --dataset synthetic --model cnn --epochs 1 --batch 64 --threads 2 --no-progress "
                            "--out " + out.string());
  EXPECT_EQ(r.status, 0) << r.output;
  return out;
}

void rewrite(const fs::path& metrics, const std::string& from, const std::string& to) {
  std::ifstream is(metrics);
  std::stringstream text;
  text << is.rdbuf();
  std::string s = text.str();
  const size_t at = s.find(from);
  ASSERT_NE(at, std::string::npos) << s;
  s.replace(at, from.size(), to);
  std::ofstream(metrics) << s;
}

TEST(CliErrors, AMetricsLineWithAFieldOfTheWrongTypeIsNamed) {
  const fs::path run = trained_run("metrics");
  const fs::path metrics = run / "metrics.jsonl";
  ASSERT_TRUE(fs::exists(metrics));
  rewrite(metrics, "\"epoch\":1", "\"epoch\":\"1\"");
  auto r = run_revive("train --resume " + run.string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r.output, (metrics.string() + " line 1: field 'epoch' must be an integer, found string")))
      << r.output;
  rewrite(metrics, "\"epoch\":\"1\"", "\"epoch\":1,\"interrupted\":\"no\"");
  r = run_revive("train --resume " + run.string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r.output, "line 1: field 'interrupted' must be true or false, found string")) << r.output;
  fs::remove_all(run);
}

}  // namespace
