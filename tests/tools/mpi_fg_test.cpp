// Filter Grafting over MPI on localhost (docs/distributed.md): `mpirun -np 2 revive train --method fg
// --models 2` ends with the models, checkpoints and metrics of the same run in one process, bit for
// bit but the times (CPU, one thread each, direct convolutions); a rank that dies or hangs ends the
// job with an error naming it, within a bounded time, and the run then resumes from its folder to
// the same end. The rank faults come from the test-only REVIVE_MPI_TEST_FAULT (run/mpi/fg_ring.h).
// Skipped, saying why, in a build without MPI or where mpirun is missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tools/run_binary.h"
#include "tools/run_files.h"

namespace {

namespace fs = std::filesystem;
using revive::testing::read_file;
using revive::testing::run_revive;
using revive::testing::RunResult;

fs::path fresh_dir(const std::string& name) { return revive::testing::fresh_dir("revive_mpi_", name); }
std::vector<nlohmann::json> metrics(const fs::path& dir) { return revive::testing::metrics_without_times(dir); }

const std::string kRunOf =
    "train --dataset synthetic --model cnn --epochs 2 --batch 32 --limit-train 256 --limit-test 128 --threads 1 "
    "--device cpu --conv-routes direct --no-progress --method fg --checkpoint-every 1 --models ";
const std::string kRun = kRunOf + "2";

#ifdef REVIVE_HAVE_MPI
#define SKIP_WITHOUT_MPIRUN()                                                                        \
  do {                                                                                               \
    if (!fs::exists(REVIVE_MPIEXEC)) GTEST_SKIP() << "mpirun (" << REVIVE_MPIEXEC << ") is missing"; \
  } while (0)
#else
#define SKIP_WITHOUT_MPIRUN() GTEST_SKIP() << "this build has no MPI (REVIVE_MPI=OFF or no MPI found)"
#define REVIVE_MPIEXEC "mpirun"
#endif

// `revive <args>` as two ranks on this machine (root may run it only when allowed to). Shared memory
// without the cross-memory attach that containers often forbid.
RunResult mpirun2(const std::string& args, const std::string& env = "") {
  const std::string root = ::geteuid() == 0 ? " --allow-run-as-root" : "";
  return revive::testing::run_shell("OMPI_MCA_btl_vader_single_copy_mechanism=none " + env + " " + REVIVE_MPIEXEC + " -np 2 --oversubscribe" + root + " " +
                                    revive::testing::revive_binary() + " " + args);
}

// The two run folders hold the same models, final checkpoint and metrics but the times.
void expect_same_run(const fs::path& a, const fs::path& b) {
  for (const char* f : {"model.safetensors", "model.net2.safetensors", "checkpoints/ckpt-e0002-s000000.safetensors",
                        "checkpoints/ckpt-e0002-s000000.net2.safetensors",
                        "checkpoints/ckpt-e0002-s000000.momentum.safetensors",
                        "checkpoints/ckpt-e0002-s000000.net2.momentum.safetensors", "fg/epoch_0001.json",
                        "fg/epoch_0002.json"}) {
    ASSERT_TRUE(fs::exists(a / f)) << f;
    EXPECT_EQ(read_file(a / f), read_file(b / f)) << f;
  }
  const std::vector<nlohmann::json> ma = metrics(a), mb = metrics(b);
  ASSERT_EQ(ma.size(), 2u);
  EXPECT_EQ(ma, mb);
  // Both networks' figures and the graft of each are there, not just the first network's.
  EXPECT_EQ(mb[1]["networks"].size(), 2u);
  EXPECT_EQ(mb[1]["reactivation"]["models"].size(), 2u);
  const nlohmann::json sa = nlohmann::json::parse(read_file(a / "summary.json"));
  const nlohmann::json sb = nlohmann::json::parse(read_file(b / "summary.json"));
  for (const char* k : {"best_network", "best_network_test_acc", "ensemble_test_acc", "ensemble_test_loss"})
    EXPECT_EQ(sa.at(k), sb.at(k)) << k;
  nlohmann::json ca = nlohmann::json::parse(read_file(a / "checkpoints/ckpt-e0002-s000000.json"));
  nlohmann::json cb = nlohmann::json::parse(read_file(b / "checkpoints/ckpt-e0002-s000000.json"));
  EXPECT_EQ(ca, cb);
}

TEST(MpiFg, TwoRanksTrainAsOneProcessDoes) {
  SKIP_WITHOUT_MPIRUN();
  const fs::path a = fresh_dir("one"), b = fresh_dir("ranks");
  const RunResult one = run_revive(kRun + " --out " + a.string());
  ASSERT_EQ(one.status, 0) << one.output;
  const RunResult ranks = mpirun2(kRun + " --out " + b.string());
  ASSERT_EQ(ranks.status, 0) << ranks.output;
  expect_same_run(a, b);
  fs::remove_all(a);
  fs::remove_all(b);
}

// A rank that exits (as a crash would) at the exchange after epoch 2: mpirun ends the job and names
// it; the folder holds the checkpoint of epoch 1, from which the run resumes to the same end.
TEST(MpiFg, DeadRankEndsTheJobThenTheRunResumes) {
  SKIP_WITHOUT_MPIRUN();
  const fs::path a = fresh_dir("whole"), b = fresh_dir("dead");
  ASSERT_EQ(run_revive(kRun + " --out " + a.string()).status, 0);
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult dead = mpirun2(kRun + " --out " + b.string(), "REVIVE_MPI_TEST_FAULT=1:2:exit");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(60));
  EXPECT_NE(dead.status, 0) << dead.output;
  EXPECT_NE(dead.output.find("rank 1: REVIVE_MPI_TEST_FAULT: exit"), std::string::npos) << dead.output;
  EXPECT_NE(dead.output.find("exited with non-zero status"), std::string::npos) << dead.output;
  EXPECT_FALSE(fs::exists(b / "summary.json"));
  EXPECT_TRUE(fs::exists(b / "checkpoints/ckpt-e0001-s000000.json"));
  const RunResult resumed = mpirun2("train --no-progress --resume " + b.string());
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  expect_same_run(a, b);
  fs::remove_all(a);
  fs::remove_all(b);
}

// A rank that hangs: its neighbour gives up after --mpi-timeout and ends the job, naming it.
TEST(MpiFg, HungRankEndsTheJobAfterTheTimeout) {
  SKIP_WITHOUT_MPIRUN();
  const fs::path b = fresh_dir("hung");
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult hung =
      mpirun2(kRun + " --mpi-timeout 2 --out " + b.string(), "REVIVE_MPI_TEST_FAULT=1:1:hang");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(60));
  EXPECT_NE(hung.status, 0) << hung.output;
  EXPECT_NE(hung.output.find("revive: rank 0: rank 1 did not answer within 2 s (--mpi-timeout) while exchanging "
                             "the weights after epoch 1"),
            std::string::npos)
      << hung.output;
  fs::remove_all(b);
}

TEST(MpiFg, RefusesRunsThatDoNotSplitIntoRanks) {
  SKIP_WITHOUT_MPIRUN();
  const fs::path b = fresh_dir("refused");
  const RunResult three = mpirun2(kRunOf + "3 --out " + b.string());
  EXPECT_NE(three.status, 0);
  EXPECT_NE(three.output.find("--models 3 but mpirun started 2 ranks"), std::string::npos) << three.output;
  const RunResult we = mpirun2(
      "train --dataset synthetic --model cnn --epochs 1 --limit-train 64 --device cpu --method we --out " + b.string());
  EXPECT_NE(we.status, 0);
  EXPECT_NE(we.output.find("method 'we' does not exchange weights"), std::string::npos) << we.output;
  fs::remove_all(b);
}

}  // namespace
