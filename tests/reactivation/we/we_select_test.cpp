#include "reactivation/we/we_select.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/rng.h"
#include "reactivation/we/we_math.h"

namespace revive {
namespace {

std::vector<uint32_t> keys_of(const std::vector<float>& v) {
  std::vector<uint32_t> k;
  for (float x : v) k.push_back(magnitude_key(x));
  return k;
}

using Pairs = std::vector<std::pair<int32_t, int32_t>>;
// Pairs of one layer with c inferior entries; `bound` as we_select_layer would set it.
Pairs match(const std::vector<float>& imp, int32_t c, WeMatching m, int32_t first = 0,
            uint64_t bound = uint64_t{1} << 32) {
  WeLayerSelection sel;
  sel.n_filters = static_cast<int32_t>(imp.size());
  sel.n_inferior = c;
  sel.n_pairs = std::min(c, sel.n_filters - c);
  sel.inferior_bound = bound;
  std::vector<uint64_t> scratch;
  std::vector<int32_t> dominant(static_cast<size_t>(sel.n_pairs)), inferior(dominant.size());
  we_match_layer(imp.data(), sel.n_filters, first, sel, m, scratch, dominant.data(), inferior.data());
  Pairs out;
  for (size_t i = 0; i < dominant.size(); ++i) out.emplace_back(dominant[i], inferior[i]);
  return out;
}

TEST(WeSelect, MagnitudeKeyOrdersLikeValuesWithNanLast) {
  const std::vector<float> ascending{0.0f, 1e-45f, 1e-38f, 0.5f, 1.0f, 3e38f, INFINITY};
  for (size_t i = 1; i < ascending.size(); ++i)
    EXPECT_LT(magnitude_key(ascending[i - 1]), magnitude_key(ascending[i]));
  EXPECT_EQ(magnitude_key(-0.0f), magnitude_key(0.0f));
  EXPECT_EQ(magnitude_key(-2.0f), magnitude_key(2.0f));
  EXPECT_GT(magnitude_key(std::nanf("")), magnitude_key(INFINITY));
  EXPECT_GT(magnitude_key(-std::nanf("")), magnitude_key(INFINITY));
}

TEST(WeSelect, GlobalThresholdIsTheSortedValueAtK) {
  // Pool {0.5, 0.1, 0.3, 0.3, 0.2}: sorted 0.1, 0.2, 0.3, 0.3, 0.5; k = 2 -> th = 0.3, so the
  // candidates (< th, strict) are 0.1 and 0.2; k = 3 -> th = 0.3 again: still 2 candidates (tie).
  const std::vector<float> pool{0.5f, 0.1f, 0.3f, 0.3f, 0.2f};
  std::vector<uint32_t> k = keys_of(pool);
  EXPECT_EQ(we_global_threshold(k, 2), magnitude_key(0.3f));
  k = keys_of(pool);
  EXPECT_EQ(we_global_threshold(k, 3), magnitude_key(0.3f));
  k = keys_of(pool);
  EXPECT_EQ(we_global_threshold(k, 0), magnitude_key(0.1f));  // k = 0: nothing is below
  k = keys_of(pool);
  EXPECT_EQ(we_global_threshold(k, 5), uint64_t{1} << 32);  // k = |pool|: everything is
}

TEST(WeSelect, GlobalThresholdEqualsStableSortOnRandomPools) {
  // Pools with many ties, with values spread over the whole float range (every radix digit
  // matters), and with zeros, denormals, Inf and NaN.
  Rng rng(11);
  const float specials[] = {0.0f, 1e-45f, 1e-40f, 1e-38f, 1.0f, 3e38f, INFINITY, std::nanf("")};
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 1 + static_cast<int>(rng.below(trial < 200 ? 300 : 5000));
    std::vector<float> pool(static_cast<size_t>(n));
    for (float& x : pool) {
      switch (trial % 3) {
        case 0: x = static_cast<float>(rng.below(20)) * 0.125f; break;
        case 1: x = std::ldexp(rng.uniform(), static_cast<int>(rng.below(250)) - 140); break;
        default: x = rng.uniform() < 0.3f ? specials[rng.below(8)] : rng.uniform(); break;
      }
    }
    std::vector<float> sorted = pool;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](float a, float b) { return magnitude_key(a) < magnitude_key(b); });
    const int64_t k = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
    std::vector<uint32_t> keys = keys_of(pool);
    ASSERT_EQ(we_global_threshold(keys, k), magnitude_key(sorted[static_cast<size_t>(k)]));
  }
}

TEST(WeSelect, GlobalThresholdOfKeysDifferingInFewOrAllBits) {
  // The first digit starts at the highest bit in which a pool's keys differ: keys that differ in
  // the low 4 bits only (one pass, a digit overlapping nothing), in bit 31 too (keys above the
  // magnitude keys' range), in 11 bits (a last digit overlapping the first), and all equal.
  const std::vector<std::vector<uint32_t>> pools{
      {0x12345679u, 0x12345670u, 0x1234567fu, 0x12345673u, 0x12345670u, 0x12345675u},
      {0xffffffffu, 0u, 5u, 0x80000000u, 0x7fffffffu, 5u},
      {0x3c000400u, 0x3c0007ffu, 0x3c000000u, 0x3c000123u, 0x3c000456u, 0x3c0003ffu, 0x3c000000u},
      {7u, 7u, 7u}};
  for (const auto& pool : pools) {
    std::vector<uint32_t> sorted = pool;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t k = 0; k <= static_cast<int64_t>(pool.size()); ++k) {
      std::vector<uint32_t> keys = pool;
      const uint64_t expected = k == static_cast<int64_t>(pool.size()) ? uint64_t{1} << 32 : sorted[k];
      EXPECT_EQ(we_global_threshold(keys, k), expected) << "pool " << pool[0] << ", k " << k;
    }
  }
}

TEST(WeSelect, PoolsSplitOverThreadsGiveEachPoolsSortedValue) {
  // Three pools at once, large enough to be split over two threads (tiny, empty and uneven
  // segments included), against each pool's sorted keys; rank |pool| gives 2^32.
  Rng rng(5);
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    for (int trial = 0; trial < 20; ++trial) {
      const int64_t sizes[3] = {static_cast<int64_t>(rng.below(3)), 1 + static_cast<int64_t>(rng.below(50)),
                                20000 + static_cast<int64_t>(rng.below(20000))};
      std::array<std::vector<uint32_t>, 3> keys, sorted;
      std::array<WeThresholdPool, 3> pools;
      for (int k = 0; k < 3; ++k) {
        for (int64_t i = 0; i < sizes[k]; ++i)
          keys[k].push_back(magnitude_key(std::ldexp(rng.uniform(), -static_cast<int>(rng.below(trial % 2 ? 3 : 60)))));
        sorted[k] = keys[k];
        std::sort(sorted[k].begin(), sorted[k].end());
        const int64_t rank = trial == 0 ? sizes[k] : static_cast<int64_t>(rng.below(static_cast<uint64_t>(sizes[k]) + 1));
        pools[k] = {keys[k].data(), sizes[k], rank};
      }
      we_global_thresholds(pools.data(), 3);
      for (int k = 0; k < 3; ++k) {
        const uint64_t expected =
            pools[k].rank >= sizes[k] ? uint64_t{1} << 32 : uint64_t{sorted[k][static_cast<size_t>(pools[k].rank)]};
        ASSERT_EQ(pools[k].threshold, expected) << threads << " threads, trial " << trial << ", pool " << k;
      }
    }
  }
  omp_set_num_threads(saved);
}

TEST(WeSelect, LocalSelectionCounts) {
  // Layer importances {2.0, 0.3, 1.5, 0.2}; threshold 1.5 -> n_tbd = 2 (0.3 and 0.2).
  const std::vector<float> imp{2.0f, 0.3f, 1.5f, 0.2f};
  WeOptions o = we_preset("paper");
  int64_t counter = 0;
  // lambda 0.05: limit 0.05 * 2 = 0.1, nothing below -> c = min(0, 2) = 0.
  WeLayerSelection s = we_select_layer(imp.data(), 4, 1, magnitude_key(1.5f), o, 0, &counter);
  EXPECT_EQ(s.n_tbd, 2);
  EXPECT_EQ(s.n_ri, 0);
  EXPECT_EQ(s.n_inferior, 0);
  EXPECT_EQ(s.n_pairs, 0);
  // lambda 0.16: limit 0.32 -> 0.3 and 0.2 -> c = 2, pairs = min(2, 4 - 2) = 2.
  o.ri_threshold = 0.16;
  s = we_select_layer(imp.data(), 4, 1, magnitude_key(1.5f), o, 0, &counter);
  EXPECT_EQ(s.n_ri, 2);
  EXPECT_EQ(s.n_inferior, 2);
  EXPECT_EQ(s.n_pairs, 2);
  // lambda 0.5: limit 1.0 -> n_RI = 2 still; lambda 0.9: 1.8 -> n_RI = 3 but c = min(3, n_tbd 2) = 2.
  o.ri_threshold = 0.9;
  s = we_select_layer(imp.data(), 4, 1, magnitude_key(1.5f), o, 0, &counter);
  EXPECT_EQ(s.n_ri, 3);
  EXPECT_EQ(s.n_inferior, 2);
  // Threshold 0.2 (nothing strictly below): no candidates, so no RI test at all.
  s = we_select_layer(imp.data(), 4, 1, magnitude_key(0.2f), o, 0, &counter);
  EXPECT_EQ(s.n_tbd, 0);
  EXPECT_EQ(s.n_ri, 0);
  EXPECT_EQ(s.n_inferior, 0);
}

TEST(WeSelect, InclusiveVersusStrictRelativeImportance) {
  // max 1.0, lambda 0.25 (exact in binary): limit 0.25; entry 0.25 counts with '<=' only.
  const std::vector<float> imp{1.0f, 0.25f, 0.5f, 0.125f};
  WeOptions o = we_preset("paper");
  o.ri_threshold = 0.25;
  int64_t counter = 0;
  const uint64_t all = uint64_t{1} << 32;
  EXPECT_EQ(we_select_layer(imp.data(), 4, 1, all, o, 0, &counter).n_ri, 1);
  o.ri_inclusive = true;
  EXPECT_EQ(we_select_layer(imp.data(), 4, 1, all, o, 0, &counter).n_ri, 2);
  // An all-zero layer: 0 <= 0 includes everything, 0 < 0 nothing.
  const std::vector<float> zeros(3, 0.0f);
  EXPECT_EQ(we_select_layer(zeros.data(), 3, 1, all, o, 0, &counter).n_ri, 3);
  o.ri_inclusive = false;
  EXPECT_EQ(we_select_layer(zeros.data(), 3, 1, all, o, 0, &counter).n_ri, 0);
}

TEST(WeSelect, FallbackCounterPersistsAndResets) {
  // §1.4 step 4 with 5 conv layers and ln_c = 2: period 2.5, so the 3rd consecutive layer
  // without RI entries is forced to n_RI = 1; a layer with RI entries resets the counter.
  const std::vector<float> no_ri{1.0f, 0.9f, 0.8f};  // lambda 0.05 -> limit 0.05: none
  const std::vector<float> has_ri{1.0f, 0.01f, 0.8f};
  const WeOptions o = we_preset("paper");
  const uint64_t all = uint64_t{1} << 32;
  const double period = 5 / 2.0;
  int64_t counter = 0;
  WeLayerSelection s = we_select_layer(no_ri.data(), 3, 1, all, o, period, &counter);
  EXPECT_EQ(counter, 1);
  EXPECT_EQ(s.n_inferior, 0);
  s = we_select_layer(no_ri.data(), 3, 1, all, o, period, &counter);
  EXPECT_EQ(counter, 2);
  EXPECT_FALSE(s.fallback_forced);
  s = we_select_layer(no_ri.data(), 3, 1, all, o, period, &counter);  // 3 >= 2.5
  EXPECT_TRUE(s.fallback_forced);
  EXPECT_EQ(s.n_ri, 1);
  EXPECT_EQ(s.n_inferior, 1);
  EXPECT_EQ(s.n_pairs, 1);
  EXPECT_EQ(counter, 0);
  we_select_layer(no_ri.data(), 3, 1, all, o, period, &counter);
  EXPECT_EQ(counter, 1);
  we_select_layer(has_ri.data(), 3, 1, all, o, period, &counter);
  EXPECT_EQ(counter, 0);
  // Layers without candidates do not touch the counter (we.py:190: the test runs only then).
  counter = 2;
  we_select_layer(no_ri.data(), 3, 1, magnitude_key(0.0f), o, period, &counter);
  EXPECT_EQ(counter, 2);
  // No fallback (period 0): the counter is never used.
  counter = 0;
  s = we_select_layer(no_ri.data(), 3, 1, all, o, 0, &counter);
  EXPECT_EQ(counter, 0);
  EXPECT_EQ(s.n_ri, 0);
}

TEST(WeSelect, GlobalOnlyAndLocalOnly) {
  const std::vector<float> imp{2.0f, 0.3f, 1.5f, 0.2f};
  WeOptions o = we_preset("paper");
  int64_t counter = 0;
  // WE-G: c = n_tbd regardless of RI (lambda 0.05 would give 0 here).
  o.selection = WeSelection::kGlobalOnly;
  WeLayerSelection s = we_select_layer(imp.data(), 4, 1, magnitude_key(1.5f), o, 2.0, &counter);
  EXPECT_EQ(s.n_inferior, 2);
  EXPECT_EQ(counter, 0);
  // WE-L: c = n_RI even with no global candidates; lambda 0.16 -> 0.3 and 0.2.
  o.selection = WeSelection::kLocalOnly;
  o.ri_threshold = 0.16;
  s = we_select_layer(imp.data(), 4, 1, magnitude_key(0.0f), o, 0, &counter);
  EXPECT_EQ(s.n_tbd, 0);
  EXPECT_EQ(s.n_inferior, 2);
}

TEST(WeSelect, GroupAwareRelativeImportance) {
  // 2 groups of 3 filters: {1.0, 0.04, 0.5} and {0.1, 0.004, 0.09}, strict '<'.
  // lambda 0.05: layer-wide limit 0.05 -> {0.04, 0.004} = 2; per group limits 0.05 and 0.005 ->
  // {0.04} + {0.004} = 2. lambda 0.5: layer-wide limit 0.5 -> {0.04, 0.1, 0.004, 0.09} = 4 (0.5 is
  // not < 0.5); per group limits 0.5 and 0.05 -> {0.04} + {0.004} = 2.
  const std::vector<float> imp{1.0f, 0.04f, 0.5f, 0.1f, 0.004f, 0.09f};
  WeOptions o = we_preset("paper");
  o.selection = WeSelection::kLocalOnly;
  int64_t counter = 0;
  EXPECT_EQ(we_select_layer(imp.data(), 6, 2, 0, o, 0, &counter).n_ri, 2);
  o.group_aware_ri = true;
  EXPECT_EQ(we_select_layer(imp.data(), 6, 2, 0, o, 0, &counter).n_ri, 2);
  o.ri_threshold = 0.5;
  EXPECT_EQ(we_select_layer(imp.data(), 6, 2, 0, o, 0, &counter).n_ri, 2);
  o.group_aware_ri = false;
  EXPECT_EQ(we_select_layer(imp.data(), 6, 2, 0, o, 0, &counter).n_ri, 4);
}

TEST(WeSelect, ForwardAndReverseMatching) {
  // {0.1, 0.3, 0.2, 0.9, 0.8, 0.7}, c = 3. Descending order: 3, 4, 5, 1, 2, 0. Forward zips
  // dominants (3, 4, 5) with the descending inferior list (1, 2, 0); reverse with the ascending
  // one (0, 2, 1). Table ids are offset by the layer's first filter (10).
  const std::vector<float> imp{0.1f, 0.3f, 0.2f, 0.9f, 0.8f, 0.7f};
  EXPECT_EQ(match(imp, 3, WeMatching::kForward, 10), (Pairs{{13, 11}, {14, 12}, {15, 10}}));
  EXPECT_EQ(match(imp, 3, WeMatching::kReverse, 10), (Pairs{{13, 10}, {14, 12}, {15, 11}}));
  EXPECT_EQ(match(imp, 0, WeMatching::kForward), Pairs{});
  EXPECT_EQ(match(imp, 6, WeMatching::kForward), Pairs{});  // c = N: no dominants
}

TEST(WeSelect, MoreThanHalfInferiorTruncatesToDominantCount) {
  // §1.5: {0.1, 0.2, 0.3, 0.4, 0.5}, c = 4 > N/2: one dominant (4); forward pairs it with the
  // largest inferior (3) and leaves 2, 1, 0 alone; reverse pairs it with the smallest (0).
  const std::vector<float> imp{0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
  EXPECT_EQ(match(imp, 4, WeMatching::kForward), (Pairs{{4, 3}}));
  EXPECT_EQ(match(imp, 4, WeMatching::kReverse), (Pairs{{4, 0}}));
  EXPECT_EQ(match(imp, 3, WeMatching::kForward), (Pairs{{4, 2}, {3, 1}}));
}

TEST(WeSelect, TiesFollowIndexOrder) {
  // {0.5, 0.2, 0.5, 0.2, 0.2, 0.9}: descending with ties by ascending index = 5, 0, 2, 1, 3, 4.
  // c = 3: inferior {1, 3, 4}; forward zips (5, 0, 2) with (1, 3, 4). The ascending inferior list
  // is a stable sort too, so equal values keep ascending index: also (1, 3, 4) - not 4, 3, 1.
  const std::vector<float> imp{0.5f, 0.2f, 0.5f, 0.2f, 0.2f, 0.9f};
  EXPECT_EQ(match(imp, 3, WeMatching::kForward), (Pairs{{5, 1}, {0, 3}, {2, 4}}));
  EXPECT_EQ(match(imp, 3, WeMatching::kReverse), (Pairs{{5, 1}, {0, 3}, {2, 4}}));
  // c = 2: the inferior pair is the last two of the order, 3 and 4; 1 stays dominant.
  EXPECT_EQ(match(imp, 2, WeMatching::kForward), (Pairs{{5, 3}, {0, 4}}));
  // All equal: order is by index; the last c are inferior.
  const std::vector<float> same(4, 0.0f);
  EXPECT_EQ(match(same, 2, WeMatching::kForward), (Pairs{{0, 2}, {1, 3}}));
}

TEST(WeSelect, MatchingEqualsTheSpecsFullStableSort) {
  // §1.4-1.5 literally: a stable sort by descending importance (ties by ascending index),
  // dominants = the first N - c, inferior = the last c; forward zips both descending lists, reverse
  // zips the dominants with the inferior sorted ascending (stable, ties by ascending index). The
  // matcher selects instead of sorting, with or without a bound, for few and many pairs (up to
  // 600 dominants, as wide layers of 1000+ filters can have).
  // Trials from 440 on are wide layers with few pairs, where the selection narrows the keys by
  // histogram rounds: some with every fifth filter nearly dead (two clusters, as trained layers
  // have), some with all importances equal (no round can split them).
  Rng rng(7);
  for (int trial = 0; trial < 640; ++trial) {
    const bool wide = trial >= 440;
    const int32_t n = wide ? 256 + static_cast<int32_t>(rng.below(1800))
                           : 1 + static_cast<int32_t>(rng.below(trial < 300 ? 80 : trial < 400 ? 400 : 1200));
    std::vector<float> imp(static_cast<size_t>(n));
    for (float& x : imp) x = trial % 2 ? static_cast<float>(rng.below(6)) : rng.uniform();  // ties or not
    if (wide && trial % 4 < 2)
      for (int32_t j = 0; j < n; j += 5) imp[j] *= 1e-3f;
    if (wide && trial % 8 == 7) std::fill(imp.begin(), imp.end(), 0.25f);
    const int32_t c = static_cast<int32_t>(rng.below(static_cast<uint64_t>(wide ? n / 6 : n) + 1));
    std::vector<int32_t> desc(static_cast<size_t>(n));
    for (int32_t j = 0; j < n; ++j) desc[j] = j;
    std::stable_sort(desc.begin(), desc.end(),
                     [&](int32_t a, int32_t b) { return magnitude_key(imp[a]) > magnitude_key(imp[b]); });
    std::vector<int32_t> asc(desc.end() - c, desc.end());
    std::sort(asc.begin(), asc.end());  // index order first, then a stable sort by value
    std::stable_sort(asc.begin(), asc.end(),
                     [&](int32_t a, int32_t b) { return magnitude_key(imp[a]) < magnitude_key(imp[b]); });
    Pairs forward, reverse;
    for (int32_t k = 0; k < std::min(c, n - c); ++k) {
      forward.emplace_back(desc[k], desc[n - c + k]);
      reverse.emplace_back(desc[k], asc[k]);
    }
    // The tightest bound the selection could give: just above the largest inferior key.
    const uint64_t tight = c == 0 ? 0 : uint64_t{magnitude_key(imp[desc[n - c]])} + 1;
    for (uint64_t bound : {uint64_t{1} << 32, tight}) {
      ASSERT_EQ(match(imp, c, WeMatching::kForward, 0, bound), forward) << "trial " << trial;
      ASSERT_EQ(match(imp, c, WeMatching::kReverse, 0, bound), reverse) << "trial " << trial;
    }
  }
}

TEST(WeSelect, NanImportanceSortsAsLargest) {
  const std::vector<float> imp{0.1f, std::nanf(""), 0.3f};
  EXPECT_EQ(match(imp, 1, WeMatching::kForward), (Pairs{{1, 0}}));
}

}  // namespace
}  // namespace revive
