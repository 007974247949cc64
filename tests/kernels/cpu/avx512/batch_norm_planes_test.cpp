// The batch norm's AVX-512 planes against the portable loops' per-element math (kernels/batch_norm.h):
// the same bits (NaN's sign aside), special values included.
#include "kernels/cpu/avx512/batch_norm_planes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/batch_norm.h"
#include "kernels/cpu/avx512/cpu_features.h"

namespace revive::kernels::cpu::avx512 {
namespace {

constexpr int64_t kRun = 32;

// Random values with the ones where rounding and comparisons turn: zeros of both signs, 6, NaN,
// infinities, denormals.
std::vector<float> values(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 3.0f);
  const float specials[] = {0.0f, -0.0f, 6.0f, -6.0f, std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::denorm_min(), 1.0f};
  std::vector<float> v(n);
  for (float& x : v) x = rng() % 8 == 0 ? specials[rng() % std::size(specials)] : normal(rng);
  return v;
}

float masked_ref(BnActivation act, const float* u, const float* m, const float* ms, const float* md, int64_t i,
                 int j) {
  return act == BnActivation::kNone ? u[i * 16 + j]
                                    : bn_activation_grad(act, u[i * 16 + j], bn_affine(ms[j], m[i * 16 + j], md[j]));
}

// NaN's sign and payload follow operand order, which the compiler may swap in a commutative
// operation: any NaN matches any NaN.
template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

class BatchNormPlanes : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override {
    if (!cpu_has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  }
};

TEST_P(BatchNormPlanes, ReduceGivesThePortableSums) {
  const int64_t HW = GetParam();
  std::mt19937 rng(static_cast<unsigned>(HW));
  const std::vector<float> u = values(HW * 16, rng), v = values(HW * 16, rng), m = values(HW * 16, rng);
  const std::vector<float> su = values(16, rng), sv = values(16, rng), ms = values(16, rng), md = values(16, rng);
  for (BnActivation act : {BnActivation::kNone, BnActivation::kRelu, BnActivation::kRelu6}) {
    std::vector<double> p1(16, 0.5), p2(16, -0.25), r1 = p1, r2 = p2;
    const PlaneMask mask = act == BnActivation::kNone
                               ? PlaneMask{}
                               : PlaneMask{static_cast<int>(act), m.data(), ms.data(), md.data()};
    bn_reduce_plane16(p1.data(), p2.data(), u.data(), v.data(), su.data(), sv.data(), HW, mask);
    for (int j = 0; j < 16; ++j) {
      for (int64_t i0 = 0; i0 < HW; i0 += kRun) {
        float a = 0, b = 0;
        for (int64_t i = i0; i < std::min(i0 + kRun, HW); ++i) {
          const float du = masked_ref(act, u.data(), m.data(), ms.data(), md.data(), i, j) - su[j];
          a += du;
          b += du * (v[i * 16 + j] - sv[j]);
        }
        r1[j] += a;
        r2[j] += b;
      }
      EXPECT_TRUE(same_bits(p1[j], r1[j])) << "act " << int(act) << " channel " << j << ": " << p1[j] << " vs " << r1[j];
      EXPECT_TRUE(same_bits(p2[j], r2[j])) << "act " << int(act) << " channel " << j << ": " << p2[j] << " vs " << r2[j];
    }
  }
}

TEST_P(BatchNormPlanes, CombineGivesThePortableValues) {
  const int64_t HW = GetParam();
  std::mt19937 rng(static_cast<unsigned>(HW) + 7);
  const std::vector<float> u = values(HW * 16, rng), v = values(HW * 16, rng), m = values(HW * 16, rng);
  const std::vector<float> a = values(16, rng), b = values(16, rng), d = values(16, rng), ms = values(16, rng),
                           md = values(16, rng);
  const BnActivation acts[] = {BnActivation::kNone, BnActivation::kRelu, BnActivation::kRelu6};
  for (BnActivation out_act : acts) {
    for (BnActivation in_act : acts) {
      for (bool with_v : {false, true}) {
        std::vector<float> out(HW * 16);
        const PlaneMask mask = in_act == BnActivation::kNone
                                   ? PlaneMask{}
                                   : PlaneMask{static_cast<int>(in_act), m.data(), ms.data(), md.data()};
        bn_combine_plane16(out.data(), u.data(), with_v ? v.data() : nullptr, a.data(), with_v ? b.data() : nullptr,
                           d.data(), HW, static_cast<int>(out_act), mask);
        for (int64_t i = 0; i < HW; ++i) {
          for (int j = 0; j < 16; ++j) {
            const float x = masked_ref(in_act, u.data(), m.data(), ms.data(), md.data(), i, j);
            const float want = with_v ? bn_activate(out_act, a[j] * x + b[j] * v[i * 16 + j] + d[j])
                                      : bn_activate(out_act, bn_affine(a[j], x, d[j]));
            ASSERT_TRUE(same_bits(out[i * 16 + j], want))
                << "acts " << int(out_act) << "/" << int(in_act) << (with_v ? " with v" : "") << " at " << i << ","
                << j << ": " << out[i * 16 + j] << " vs " << want;
          }
        }
      }
    }
  }
}

// One pixel, part of a run, a run exactly, a run and one more, several runs and a tail.
INSTANTIATE_TEST_SUITE_P(PlaneSizes, BatchNormPlanes, ::testing::Values(1, 31, 32, 33, 196));

}  // namespace
}  // namespace revive::kernels::cpu::avx512
