#include <gtest/gtest.h>

#include "nn/functional.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

TEST(AddAutograd, EachInputGetsDyInItsOwnLayout) {
  const Shape s{2, 12, 2, 2};
  Tensor a = testing::random_tensor(s, 1, -1.0, 1.0, Layout::kBlocked8), b = testing::random_tensor(s, 2);
  Tensor r = testing::random_tensor(s, 3, -1.0, 1.0, Layout::kBlocked8);
  a.set_requires_grad(true);
  b.set_requires_grad(true);
  Tensor y = F::add(a, b);
  EXPECT_EQ(y.layout(), Layout::kBlocked8);
  testing::project(y, r).backward();
  EXPECT_EQ(a.grad().layout(), Layout::kBlocked8);
  EXPECT_EQ(b.grad().layout(), Layout::kPlain);
  EXPECT_ALLCLOSE(r, a.grad(), 0, 0);
  EXPECT_ALLCLOSE(r, b.grad(), 0, 0);
}

TEST(AddAutograd, SameInputTwiceAndOneSided) {
  Tensor x = testing::random_tensor({5}, 4);
  Tensor r = testing::random_tensor({5}, 5);
  x.set_requires_grad(true);
  testing::project(F::add(x, x), r).backward();
  const std::vector<float> g = x.grad().to_vector<float>(), rv = r.to_vector<float>();
  for (size_t i = 0; i < g.size(); ++i) EXPECT_EQ(g[i], 2 * rv[i]);

  Tensor c = testing::random_tensor({5}, 6), d = testing::random_tensor({5}, 7);
  d.set_requires_grad(true);
  testing::project(F::add(c, d), r).backward();
  EXPECT_FALSE(c.grad().defined());
  EXPECT_ALLCLOSE(r, d.grad(), 0, 0);
}

}  // namespace
}  // namespace revive
