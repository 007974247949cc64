#include <gtest/gtest.h>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/rng.h"
#include "core/tensor.h"

namespace revive {
namespace {

TEST(Tensor, ShapeStridesAndViews) {
  Tensor t = Tensor::from_vector<float>({0, 1, 2, 3, 4, 5}, {2, 3});
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.strides(), (Shape{3, 1}));
  Tensor row = t.slice0(1, 2);
  EXPECT_EQ(row.to_vector<float>(), (std::vector<float>{3, 4, 5}));
  row.fill_(7);
  EXPECT_EQ(t.to_vector<float>()[3], 7.0f);
  EXPECT_EQ(t.reshape({3, -1}).shape(), (Shape{3, 2}));
  EXPECT_THROW(t.reshape({4, -1}), Error);
  EXPECT_THROW(t.slice0(1, 3), Error);
  EXPECT_THROW(t.data<int64_t>(), Error);
}

TEST(Tensor, BlockedLayoutPadsChannels) {
  Tensor t = Tensor::zeros({2, 3, 4, 5}, DType::kFloat32, Device::cpu(), Layout::kBlocked8);
  EXPECT_EQ(t.numel(), 2 * 3 * 4 * 5);
  EXPECT_EQ(t.physical_numel(), 2 * 8 * 4 * 5);
  t.fill_(1.0f);
  const float* p = t.data<float>();
  EXPECT_EQ(p[0], 1.0f);  // n0 c0 h0 w0
  EXPECT_EQ(p[3], 0.0f);  // channel 3 is padding
}

TEST(Allocator, ReusesFreedBlocksOfTheSameSize) {
  Allocator& a = allocator_for(Device::cpu());
  { Tensor t = Tensor::empty({1000, 1000}); }
  const size_t before = a.stats().n_system_allocs;
  for (int i = 0; i < 10; ++i) Tensor t = Tensor::empty({1000, 1000});
  EXPECT_EQ(a.stats().n_system_allocs, before);
}

TEST(Rng, DeterministicAndWellSpread) {
  Rng a(42, 1), b(42, 1), c(42, 2);
  double sum = 0, sq = 0;
  bool differs = false;
  for (int i = 0; i < 20000; ++i) {
    const float x = a.uniform();
    EXPECT_EQ(x, b.uniform());
    differs |= x != c.uniform();
    ASSERT_GE(x, 0.0f);
    ASSERT_LT(x, 1.0f);
    sum += x;
    sq += x * x;
  }
  EXPECT_TRUE(differs);
  EXPECT_NEAR(sum / 20000, 0.5, 0.01);
  EXPECT_NEAR(sq / 20000 - 0.25, 1.0 / 12, 0.01);
  Rng r(7);
  Rng::State s = r.state();
  const uint32_t first = r.next_u32();
  r.set_state(s);
  EXPECT_EQ(r.next_u32(), first);
}

TEST(Rng, PhiloxKnownAnswer) {
  // Random123's published known-answer vector for philox4x32-10 with all-zero counter and key.
  const PhiloxBlock b = philox4x32(0, 0, 0, 0, 0, 0);
  EXPECT_EQ(b.v[0], 0x6627e8d5u);
  EXPECT_EQ(b.v[1], 0xe169c58du);
  EXPECT_EQ(b.v[2], 0xbc57ac4cu);
  EXPECT_EQ(b.v[3], 0x9b00dbd8u);
}

TEST(Autograd, AccumulatesAndSumsBranches) {
  Tensor x = Tensor::from_vector<float>({2.0f}, {1});
  x.set_requires_grad(true);
  // y = x * 3 recorded by hand; z = y + y: dz/dx = 6.
  Tensor y = Tensor::from_vector<float>({6.0f}, {1});
  record("times3", {x}, y, [](const Tensor& dy) {
    Tensor g = dy.clone();
    g.data<float>()[0] *= 3;
    return std::vector<Tensor>{g};
  });
  Tensor z = Tensor::from_vector<float>({12.0f}, {1});
  record("add", {y, y}, z, [](const Tensor& dz) { return std::vector<Tensor>{dz, dz}; });
  z.backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 6.0f);
  {
    NoGradGuard ng;
    Tensor w = Tensor::from_vector<float>({1.0f}, {1});
    EXPECT_FALSE(record("noop", {x}, w, [](const Tensor& g) { return std::vector<Tensor>{g}; }));
    EXPECT_FALSE(w.requires_grad());
  }
}

}  // namespace
}  // namespace revive
