// The shared selections' tie counts (reactivation/select_keys.h): the first `rank` entries of the
// stable ascending order are those below the threshold and the first equal_before entries equal
// to it; select_rank against a sort. The pools' thresholds are tested with WE
// (tests/reactivation/we/we_select_test.cpp).
#include "reactivation/select_keys.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/rng.h"
#include "reactivation/order_keys.h"

namespace revive {
namespace {

TEST(SelectKeys, EqualBeforeCountsTheTiesLeftOfTheRank) {
  // Sorted: 1, 2, 2, 2, 5. Rank 2 is the second 2: one 2 precedes it.
  std::vector<uint32_t> keys{2, 5, 2, 1, 2};
  for (const auto& [rank, threshold, equal] : std::vector<std::array<int64_t, 3>>{
           {0, 1, 0}, {1, 2, 0}, {2, 2, 1}, {3, 2, 2}, {4, 5, 0}, {5, int64_t{1} << 32, 0}}) {
    std::vector<uint32_t> work = keys;
    SelectPool pool{work.data(), 5, rank};
    select_pool_thresholds(&pool, 1);
    EXPECT_EQ(pool.threshold, static_cast<uint64_t>(threshold)) << "rank " << rank;
    EXPECT_EQ(pool.equal_before, equal) << "rank " << rank;
  }
}

TEST(SelectKeys, EqualBeforeOnManyTiesSplitOverThreads) {
  // Keys from few values, large enough to be split: against a sorted copy.
  Rng rng(9);
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    for (int trial = 0; trial < 10; ++trial) {
      const int64_t n = 20000 + static_cast<int64_t>(rng.below(20000));
      std::vector<uint32_t> keys(static_cast<size_t>(n));
      for (auto& k : keys) k = trial % 2 ? 7u : 0x3f000000u + static_cast<uint32_t>(rng.below(5)) * 0x10000u;
      std::vector<uint32_t> sorted = keys;
      std::sort(sorted.begin(), sorted.end());
      const int64_t rank = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
      SelectPool pool{keys.data(), n, rank};
      select_pool_thresholds(&pool, 1);
      const uint32_t t = sorted[static_cast<size_t>(rank)];
      ASSERT_EQ(pool.threshold, t);
      const int64_t first_equal = std::lower_bound(sorted.begin(), sorted.end(), t) - sorted.begin();
      ASSERT_EQ(pool.equal_before, rank - first_equal) << threads << " threads, trial " << trial;
    }
  }
  omp_set_num_threads(saved);
}

TEST(SelectKeys, SelectRankEqualsTheSortedKeys) {
  // Sizes around the switch from counting to histograms (16 keys, also where a histogram leaves
  // few), keys of few and of many values.
  Rng rng(4);
  for (int64_t n : {1, 2, 15, 16, 17, 33, 63, 64, 65, 200, 1000, 5000}) {
    for (int trial = 0; trial < 6; ++trial) {
      std::vector<uint32_t> keys(static_cast<size_t>(n));
      const int binades = trial % 3 == 1 ? 2 : 40;
      for (auto& k : keys)
        k = trial % 3 == 0 ? static_cast<uint32_t>(rng.below(3))
                           : magnitude_key(std::ldexp(rng.uniform(), -static_cast<int>(rng.below(binades))));
      std::vector<uint32_t> sorted = keys;
      std::sort(sorted.begin(), sorted.end());
      const int64_t rank = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
      const SelectRank r = select_rank(keys.data(), n, rank);
      const uint32_t t = sorted[static_cast<size_t>(rank)];
      ASSERT_EQ(r.threshold, t) << "n " << n << ", trial " << trial;
      ASSERT_EQ(r.equal_before, rank - (std::lower_bound(sorted.begin(), sorted.end(), t) - sorted.begin()));
    }
  }
}

}  // namespace
}  // namespace revive
