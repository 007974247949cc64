// The AVX2 blend rows of WE's crossover against the per-element formulas of reactivation/we/we_math.h
// (the portable path): the same bits in every element and the same counts, on rows of every
// length up to 40 (whole vectors and masked tails) holding zeros, signed zeros, denormals,
// values that overflow, Inf and NaN.
#include "reactivation/we/cpu/avx2/we_blend_row.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/rng.h"
#include "kernels/cpu/avx2/cpu_features.h"
#include "reactivation/we/we_math.h"

namespace revive {
namespace {

namespace avx2 = kernels::cpu::avx2;

float draw(Rng& rng) {
  const float specials[] = {0.0f, -0.0f, 1e-40f, -1e-40f, 3e38f, -3e38f, std::numeric_limits<float>::infinity(),
                            std::nanf("")};
  if (rng.uniform() < 0.25f) return specials[rng.below(8)];
  return rng.normal() * std::ldexp(1.0f, static_cast<int>(rng.below(20)) - 10);
}

template <class Row, class Element>
void expect_row_equals_elements(const Row& row, const Element& element, const char* name) {
  Rng rng(21);
  for (int32_t n = 0; n <= 40; ++n) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<float> m(static_cast<size_t>(n)), l(m.size());
      for (size_t e = 0; e < m.size(); ++e) {
        m[e] = draw(rng);
        l[e] = trial % 4 == 0 ? -m[e] : draw(rng);  // m + l == 0: the harmonic blend's zero
      }
      std::vector<float> expected = m;
      int64_t expected_counts[3] = {0, 0, 0};
      for (size_t e = 0; e < m.size(); ++e) we_record(element(m[e], l[e]), &expected[e], expected_counts);
      std::vector<float> got = m;
      int64_t counts[3] = {0, 0, 0};
      row(got.data(), l.data(), n, counts);
      for (size_t e = 0; e < got.size(); ++e)  // bits, so that NaN results compare too
        ASSERT_EQ(std::memcmp(&got[e], &expected[e], sizeof(float)), 0)
            << name << ", length " << n << ", trial " << trial << ", element " << e;
      for (int i = 0; i < 3; ++i) ASSERT_EQ(counts[i], expected_counts[i]) << name << ", count " << i;
    }
  }
}

TEST(WeBlendRowAvx2, EveryFormulaGivesTheBitsAndCountsOfThePortableOne) {
  if (!avx2::cpu_has_avx2_fma()) GTEST_SKIP() << "this CPU has no AVX2; the portable loop runs instead";
  expect_row_equals_elements(
      [](float* m, const float* l, int32_t n, int64_t* c) { avx2::blend_adaptive_row(m, l, n, c); },
      [](float m, float l) { return we_blend_adaptive(m, l); }, "adaptive");
  for (const float eps : {0.0f, 1e-3f})
    expect_row_equals_elements(
        [eps](float* m, const float* l, int32_t n, int64_t* c) { avx2::blend_harmonic_row(m, l, n, eps, c); },
        [eps](float m, float l) { return we_blend_harmonic(m, l, eps); }, "harmonic");
  for (const float alpha : {0.0f, 0.3f, 1.0f})
    expect_row_equals_elements(
        [alpha](float* m, const float* l, int32_t n, int64_t* c) { avx2::blend_fixed_row(m, l, n, alpha, c); },
        [alpha](float m, float l) { return we_blend_fixed(m, l, alpha); }, "fixed");
}

}  // namespace
}  // namespace revive
