#include <gtest/gtest.h>

#include <algorithm>

#include "kernels/layout.h"

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

// relu(a + b) fused: the output and both gradients equal relu(add(a, b))'s, each input's gradient
// in its own layout.
TEST(AddAutograd, FusedReluEqualsAddThenRelu) {
  const Shape s{2, 12, 2, 2};
  Tensor a = testing::random_tensor(s, 8, -1.0, 1.0, Layout::kBlocked8), b = testing::random_tensor(s, 9);
  Tensor a2 = a.clone(), b2 = b.clone();
  Tensor r = testing::random_tensor(s, 10);
  for (Tensor* t : {&a, &b, &a2, &b2}) t->set_requires_grad(true);
  const Tensor fused = F::add_relu(a, b);
  const Tensor separate = F::relu(F::add(a2, b2));
  EXPECT_ALLCLOSE(separate, fused, 0, 0);
  testing::project(fused, r).backward();
  testing::project(separate, r).backward();
  EXPECT_EQ(a.grad().layout(), Layout::kBlocked8);
  EXPECT_EQ(b.grad().layout(), Layout::kPlain);
  EXPECT_ALLCLOSE(a2.grad(), a.grad(), 0, 0);
  EXPECT_ALLCLOSE(b2.grad(), b.grad(), 0, 0);
  // The mask is not trivial: some gradients are cut, some pass.
  const std::vector<float> g = kernels::to_plain(a.grad()).to_vector<float>();
  EXPECT_GT(std::count(g.begin(), g.end(), 0.0f), 10);
  EXPECT_LT(std::count(g.begin(), g.end(), 0.0f), 86);
}

}  // namespace
}  // namespace revive
