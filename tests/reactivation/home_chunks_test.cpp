#include "reactivation/home_chunks.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <vector>

namespace revive {
namespace {

TEST(HomeChunks, RangesFollowTheStaticSplitOfTheElements) {
  // Chunks starting at elements 0, 10, ..., 90 of 100; three threads own [0, 33), [33, 66), [66, 100).
  const std::vector<int64_t> home = home_ranges(10, 100, 3, [](int64_t c) { return 10 * c; });
  EXPECT_EQ(home, (std::vector<int64_t>{0, 4, 7, 10}));
  // More threads than chunks: the later ranges are empty.
  EXPECT_EQ(home_ranges(2, 100, 4, [](int64_t c) { return 50 * c; }), (std::vector<int64_t>{0, 1, 1, 2, 2}));
  EXPECT_EQ(home_ranges(0, 0, 2, [](int64_t) { return 0; }), (std::vector<int64_t>{0, 0, 0}));
}

// Runs for_chunks_from_home and returns how often each chunk ran.
std::vector<int> run_counts(const std::vector<int64_t>& home) {
  std::vector<std::atomic<int>> counts(static_cast<size_t>(home.back()));
  for_chunks_from_home(home, [&](int64_t c, int) { counts[static_cast<size_t>(c)].fetch_add(1); });
  std::vector<int> out;
  for (const auto& c : counts) out.push_back(c.load());
  return out;
}

TEST(HomeChunks, EveryChunkRunsOnce) {
  const std::vector<int> once(1000, 1);
  EXPECT_EQ(run_counts({0, 500, 1000}), once);
  EXPECT_EQ(run_counts({0, 0, 1000}), once);  // one thread owns all; the other only helps
  EXPECT_EQ(run_counts({0, 1, 2, 3, 1000}), once);
  EXPECT_EQ(run_counts({0, 0}), std::vector<int>{});
}

TEST(HomeChunks, OneThreadRunsItsHomeFirstThenTheOthers) {
  // Nested inside a parallel region (inactive, as OpenMP's default max-active-levels of 1 makes
  // it), the inner region has a single thread: it drains its own range, then the other, in order.
  std::vector<int64_t> order;
  std::vector<int> runner;
#pragma omp parallel num_threads(2)
  {
#pragma omp single
    for_chunks_from_home({0, 3, 6}, [&](int64_t c, int t) {
      order.push_back(c);
      runner.push_back(t);
    });
  }
  EXPECT_EQ(order, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(runner, std::vector<int>(6, 0));
}

}  // namespace
}  // namespace revive
