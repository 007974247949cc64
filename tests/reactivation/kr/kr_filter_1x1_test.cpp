// C3 and the rescale of one filter of 1x1 kernels (reactivation/kr/cpu/kr_filter_1x1.h, §3.2):
// the portable and the AVX-512 passes against the definition (the first n_invalid of the other
// kernels in the stable (|w|, index) order, each set to the best's norm by kr_rescale_kernel), on
// tie-rich weights with zeros, NaNs, infinities and a best norm too large to rescale by, at sizes
// that leave every tail length of the vector loops.
#include "reactivation/kr/cpu/kr_filter_1x1.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/cpu/avx512/cpu_features.h"
#include "reactivation/kr/kr_math.h"

namespace revive {
namespace {

struct Result {
  std::vector<float> w;
  int64_t counts[3] = {};
};

// The definition, by a stable sort of the kernels' order keys.
Result by_definition(std::vector<float> w, int32_t n_invalid) {
  const int32_t n = static_cast<int32_t>(w.size());
  std::vector<float> kappa(w.size());
  for (int32_t c = 0; c < n; ++c) kappa[c] = kr_kernel_l1(&w[c], 1);
  const int32_t best = kr_best_kernel(kappa.data(), n);
  std::vector<int32_t> order;
  for (int32_t c = 0; c < n; ++c)
    if (c != best) order.push_back(c);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return kr_order_key(kappa[a], a) < kr_order_key(kappa[b], b); });
  Result r;
  for (int32_t i = 0; i < n_invalid; ++i)
    kr_rescale_kernel(&w[order[i]], 1, kappa[best], kappa[order[i]], r.counts);
  r.w = std::move(w);
  return r;
}

Result fast(std::vector<float> w, int32_t n_invalid, Kr1x1Isa isa) {
  Result r;
  std::vector<uint32_t> work(w.size());
  kr_reactivate_1x1(w.data(), static_cast<int32_t>(w.size()), n_invalid, work.data(), r.counts, isa);
  r.w = std::move(w);
  return r;
}

void expect_same_bits(const Result& want, const Result& got, const char* what) {
  ASSERT_EQ(want.w.size(), got.w.size());
  EXPECT_EQ(0, std::memcmp(want.w.data(), got.w.data(), want.w.size() * sizeof(float))) << what;
  for (int k = 0; k < 3; ++k) EXPECT_EQ(want.counts[k], got.counts[k]) << what << " count " << k;
}

// Weights from a few magnitudes (ties), random signs, and now and then a zero, -0, NaN or infinity;
// `huge` makes one weight FLT_MAX (every factor rejected).
std::vector<float> weights(std::mt19937& rng, int32_t n, bool specials, bool huge) {
  std::uniform_int_distribution<int> level(0, 9), coin(0, 1), special(0, 40);
  std::vector<float> w(static_cast<size_t>(n));
  for (auto& x : w) {
    x = std::ldexp(1.0f + static_cast<float>(level(rng)) / 8.0f, -level(rng)) * (coin(rng) ? 1.0f : -1.0f);
    if (!specials) continue;
    switch (special(rng)) {
      case 0: x = 0.0f; break;
      case 1: x = -0.0f; break;
      case 2: x = std::numeric_limits<float>::quiet_NaN(); break;
      case 3: x = -std::numeric_limits<float>::infinity(); break;
      case 4: x = 1e-38f; break;  // a factor that overflows
      default: break;
    }
  }
  if (huge) w[static_cast<size_t>(n / 2)] = std::numeric_limits<float>::max();
  return w;
}

TEST(Kr1x1, PortableAndAvx512PassesGiveTheDefinitionsBits) {
  const bool avx512 = kernels::cpu::avx512::cpu_has_avx512();
  std::mt19937 rng(17);
  std::vector<int32_t> sizes(40);
  std::iota(sizes.begin(), sizes.end(), 2);
  for (int32_t n : {96, 144, 383, 960}) sizes.push_back(n);
  for (int32_t n : sizes)
    for (int variant = 0; variant < 4; ++variant) {
      const std::vector<float> w = weights(rng, n, variant & 1, variant == 3);
      // Every few ranks on the large filters: the radix rounds' bucket edges fall on some.
      std::vector<int32_t> counts{1, std::max(1, n / 10), std::max(1, n / 2), n - 1};
      for (int32_t k = 2; n >= 256 && k < n - 1; k += 5) counts.push_back(k);
      for (int32_t n_invalid : counts) {
        SCOPED_TRACE(testing::Message() << "n " << n << " variant " << variant << " n_invalid " << n_invalid);
        const Result want = by_definition(w, n_invalid);
        expect_same_bits(want, fast(w, n_invalid, Kr1x1Isa::kPortable), "portable");
        if (avx512) expect_same_bits(want, fast(w, n_invalid, Kr1x1Isa::kBest), "avx512");
      }
    }
  if (!avx512) GTEST_SKIP() << "the portable passes checked; this CPU has no AVX-512";
}

}  // namespace
}  // namespace revive
