// WE's blends round each product and each sum on its own, as the CUDA kernels do (built with
// -fmad=false): the CPU and GPU steps then write the same bits. A compiler may fuse a * x + b * y
// into an FMA wherever FMA instructions are available (GCC does by default under -march=native,
// REVIVE_NATIVE=ON); the build forbids that with -ffp-contract=off (CMakeLists.txt), and this test
// fails in any build where a blend got fused. The reference forces every rounding through a
// volatile store; the blends under test are the per-element formulas (we_math.h, inlined here and
// in the library) and the AVX2 rows (reactivation/we/cpu/avx2/) where the CPU has AVX2.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/rng.h"
#include "kernels/cpu/avx2/cpu_features.h"
#include "reactivation/we/cpu/avx2/we_blend_row.h"
#include "reactivation/we/we_math.h"

namespace revive {
namespace {

float rounded(float x) {
  volatile float v = x;
  return v;
}
float mul(float a, float b) { return rounded(a * b); }
float add(float a, float b) { return rounded(a + b); }
float sub(float a, float b) { return rounded(a - b); }
float quot(float a, float b) { return rounded(a / b); }

// alpha x + (1 - alpha) y, each operation rounded.
float blend(float alpha, float x, float y) { return add(mul(alpha, x), mul(sub(1.0f, alpha), y)); }

uint32_t bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

struct Case {
  float m, l, alpha;
};

std::vector<Case> cases() {
  Rng rng(5);
  std::vector<Case> out;
  for (int i = 0; i < 20000; ++i) {
    // Magnitudes over a few octaves and both signs: products whose low bits an FMA would keep.
    const float m = rng.normal() * std::ldexp(1.0f, static_cast<int>(rng.below(8)) - 4);
    const float l = rng.normal() * std::ldexp(1.0f, static_cast<int>(rng.below(8)) - 4);
    out.push_back({m, l, rng.uniform()});
  }
  return out;
}

TEST(WeRounding, ElementBlendsRoundEachOperation) {
  int compared = 0;
  for (const Case& c : cases()) {
    const float den = add(std::fabs(c.m), std::fabs(c.l));
    const float adaptive = blend(quot(std::fabs(c.m), den), c.m, c.l);
    ASSERT_EQ(bits(we_blend_adaptive(c.m, c.l).value), bits(adaptive)) << c.m << " " << c.l;
    const float fixed = blend(c.alpha, c.m, c.l);
    ASSERT_EQ(bits(we_blend_fixed(c.m, c.l, c.alpha).value), bits(fixed)) << c.m << " " << c.l << " " << c.alpha;
    const BlendResult h = we_blend_harmonic(c.m, c.l, 0.0f);
    if (h.status == BlendStatus::kWritten) {
      ASSERT_EQ(bits(h.value), bits(blend(quot(c.m, add(c.m, c.l)), c.l, c.m))) << c.m << " " << c.l;
    }
    ++compared;
  }
  EXPECT_EQ(compared, 20000);
}

TEST(WeRounding, AvxRowsRoundEachOperation) {
  if (!kernels::cpu::avx2::cpu_has_avx2_fma()) GTEST_SKIP() << "no AVX2 on this CPU";
  const std::vector<Case> cs = cases();
  std::vector<float> m(cs.size()), l(cs.size());
  for (size_t i = 0; i < cs.size(); ++i) {
    m[i] = cs[i].m;
    l[i] = cs[i].l;
  }
  std::vector<float> adaptive = m, fixed = m;
  int64_t counts[3] = {0, 0, 0};
  const int32_t n = static_cast<int32_t>(m.size());
  kernels::cpu::avx2::blend_adaptive_row(adaptive.data(), l.data(), n, counts);
  kernels::cpu::avx2::blend_fixed_row(fixed.data(), l.data(), n, 0.3f, counts);
  for (size_t i = 0; i < m.size(); ++i) {
    ASSERT_EQ(bits(adaptive[i]), bits(blend(quot(std::fabs(m[i]), add(std::fabs(m[i]), std::fabs(l[i]))), m[i], l[i])))
        << i;
    ASSERT_EQ(bits(fixed[i]), bits(blend(0.3f, m[i], l[i]))) << i;
  }
}

}  // namespace
}  // namespace revive
