// select_rank's two paths (reactivation/select_keys.h): the portable radix select and the AVX-512
// selection by pivots (reactivation/cpu/avx512/select_rank_avx512.h) against a sorted copy, at
// sizes around the AVX-512 path's switch points (16 keys ranked in registers, partial vectors),
// at every rank of the small sets and at the ends and spread ranks of the large ones, on keys
// with many ties, one value, sorted runs, and the extreme keys (0, the NaN and infinity
// magnitude keys, UINT32_MAX).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "kernels/cpu/avx512/cpu_features.h"
#include "reactivation/order_keys.h"
#include "reactivation/select_keys.h"

namespace revive {
namespace {

// Keys of one kind: 0 few values (ties), 1 magnitude keys of floats over many binades, 2 one
// value, 3 ascending, 4 descending, 5 few values among the extreme keys.
std::vector<uint32_t> keys_of_kind(Rng& rng, int64_t n, int kind) {
  std::vector<uint32_t> keys(static_cast<size_t>(n));
  const uint32_t extremes[] = {0u, 1u, kNanMagnitudeKey, 0x7f800000u, UINT32_MAX, UINT32_MAX - 1};
  for (int64_t i = 0; i < n; ++i) {
    uint32_t& k = keys[static_cast<size_t>(i)];
    switch (kind) {
      case 0: k = 0x3c000000u + static_cast<uint32_t>(rng.below(4)) * 0x100u; break;
      case 1: k = magnitude_key(std::ldexp(rng.uniform(), -static_cast<int>(rng.below(30)))); break;
      case 2: k = 0x3f800000u; break;
      case 3: k = static_cast<uint32_t>(i / 2); break;
      case 4: k = static_cast<uint32_t>(n - i); break;
      default: k = extremes[rng.below(6)]; break;
    }
  }
  return keys;
}

void expect_rank(const std::vector<uint32_t>& keys, int64_t rank, SelectIsa isa, const char* what) {
  std::vector<uint32_t> sorted = keys, work = keys;
  std::sort(sorted.begin(), sorted.end());
  const SelectRank r = select_rank(work.data(), static_cast<int64_t>(work.size()), rank, isa);
  const uint32_t t = sorted[static_cast<size_t>(rank)];
  ASSERT_EQ(r.threshold, t) << what << " rank " << rank;
  ASSERT_EQ(r.equal_before, rank - (std::lower_bound(sorted.begin(), sorted.end(), t) - sorted.begin()))
      << what << " rank " << rank;
}

TEST(SelectRankIsa, BothPathsEqualTheSortedKeys) {
  const bool avx512 = kernels::cpu::avx512::cpu_has_avx512();
  Rng rng(23);
  std::vector<int64_t> sizes;
  for (int64_t n = 1; n <= 50; ++n) sizes.push_back(n);
  for (int64_t n : {63, 64, 65, 96, 118, 144, 255, 256, 257, 383, 960, 1280, 4099}) sizes.push_back(n);
  for (int64_t n : sizes)
    for (int kind = 0; kind < 6; ++kind) {
      SCOPED_TRACE(testing::Message() << "n " << n << " kind " << kind);
      const std::vector<uint32_t> keys = keys_of_kind(rng, n, kind);
      std::vector<int64_t> ranks;
      for (int64_t r = 0; r < n; r += n <= 64 ? 1 : std::max<int64_t>(n / 23, 1)) ranks.push_back(r);
      for (int64_t r : {int64_t{1}, n / 10, n / 2, n - 2, n - 1})
        if (r >= 0 && r < n) ranks.push_back(r);
      for (int64_t rank : ranks) {
        expect_rank(keys, rank, SelectIsa::kPortable, "portable");
        if (avx512) expect_rank(keys, rank, SelectIsa::kBest, "avx512");
      }
    }
  if (!avx512) GTEST_SKIP() << "the portable select checked; this CPU has no AVX-512";
}

}  // namespace
}  // namespace revive
