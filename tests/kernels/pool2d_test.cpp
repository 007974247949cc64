#include "kernels/pool2d.h"

#include <gtest/gtest.h>

#include "kernels/layout.h"
#include "support/allclose.h"
#include "support/gradcheck.h"
#include "support/tensor_utils.h"

namespace revive::kernels {
namespace {

using testing::Vec;

struct Case {
  Shape x;
  Pool2dParams p;
};

std::string case_name(const Case& c) {
  return "H" + std::to_string(c.x[2]) + "W" + std::to_string(c.x[3]) + "k" + std::to_string(c.p.kernel) + "s" +
         std::to_string(c.p.stride) + "p" + std::to_string(c.p.pad);
}

void PrintTo(const Case& c, std::ostream* os) { *os << case_name(c); }

class Pools : public ::testing::TestWithParam<Case> {};

TEST_P(Pools, MaxGradients) {
  const Case& c = GetParam();
  const Pool2dShape s = pool2d_shape(c.x, c.p);
  auto fwd = [&](const std::vector<Vec>& in) {
    Vec y(s.N * s.C * s.P * s.Q);
    max_pool2d_forward_cpu(y.data(), in[0].data(), s, c.p);
    return y;
  };
  auto bwd = [&](const std::vector<Vec>& in, const Vec& dy) {
    Vec dx(in[0].size());
    max_pool2d_backward_cpu(dx.data(), dy.data(), in[0].data(), s, c.p);
    return std::vector<Vec>{dx};
  };
  // Distinct random values: no window holds a tie within the finite-difference step.
  EXPECT_TRUE(testing::check_gradients(fwd, bwd, {testing::random_vec(shape_numel(c.x), 1)}, {"x"}));
}

TEST_P(Pools, AvgGradients) {
  const Case& c = GetParam();
  const Pool2dShape s = pool2d_shape(c.x, c.p);
  auto fwd = [&](const std::vector<Vec>& in) {
    Vec y(s.N * s.C * s.P * s.Q);
    avg_pool2d_forward_cpu(y.data(), in[0].data(), s, c.p);
    return y;
  };
  auto bwd = [&](const std::vector<Vec>& in, const Vec& dy) {
    Vec dx(in[0].size());
    avg_pool2d_backward_cpu(dx.data(), dy.data(), s, c.p);
    return std::vector<Vec>{dx};
  };
  EXPECT_TRUE(testing::check_gradients(fwd, bwd, {testing::random_vec(shape_numel(c.x), 2)}, {"x"}));
}

// C = 12 leaves 4 padding channels in nChw8c.
TEST_P(Pools, BlockedEqualsPlain) {
  const Case& c = GetParam();
  const Shape xs{c.x[0], 12, c.x[2], c.x[3]};
  const Pool2dShape s = pool2d_shape(xs, c.p);
  Tensor x = testing::random_tensor(xs, 3), dy = testing::random_tensor({s.N, s.C, s.P, s.Q}, 4);
  Tensor ym = max_pool2d_forward(x, c.p), ya = avg_pool2d_forward(x, c.p);
  Tensor dxm = max_pool2d_backward(dy, x, c.p), dxa = avg_pool2d_backward(dy, xs, Layout::kPlain, c.p);
  for (Layout layout : {Layout::kBlocked8, Layout::kBlocked16}) {
    Tensor xb = to_layout(x, layout), dyb = to_layout(dy, layout);
    Tensor outs[] = {max_pool2d_forward(xb, c.p), avg_pool2d_forward(xb, c.p), max_pool2d_backward(dyb, xb, c.p),
                     avg_pool2d_backward(dyb, xs, layout, c.p)};
    for (const Tensor& t : outs) {
      EXPECT_EQ(t.layout(), layout);
      EXPECT_TRUE(testing::padding_is_zero(t));
    }
    EXPECT_ALLCLOSE(ym, outs[0], 0, 0);
    EXPECT_ALLCLOSE(ya, outs[1], 1e-6, 1e-6);
    EXPECT_ALLCLOSE(dxm, outs[2], 0, 0);
    EXPECT_ALLCLOSE(dxa, outs[3], 1e-6, 1e-6);
  }
}

INSTANTIATE_TEST_SUITE_P(All, Pools,
                         ::testing::Values(Case{{2, 3, 4, 4}, {2, 2, 0}}, Case{{2, 3, 5, 7}, {3, 2, 1}},
                                           Case{{1, 2, 5, 5}, {3, 1, 1}}, Case{{1, 2, 3, 4}, {2, 1, 1}},
                                           Case{{1, 2, 6, 5}, {3, 3, 0}}),
                         [](const auto& p) { return case_name(p.param); });

TEST(Pool2d, HandComputedValues) {
  // 1 x 1 x 3 x 3, kernel 3, stride 2, pad 1: four windows, each holding one corner 2 x 2 block.
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  const Pool2dParams p{3, 2, 1};
  EXPECT_EQ(max_pool2d_forward(x, p).to_vector<float>(), (std::vector<float>{5, 6, 8, 9}));
  // count_include_pad: every window divides by 9.
  EXPECT_ALLCLOSE(avg_pool2d_forward(x, p).to_vector<float>(),
                  (std::vector<float>{12.0f / 9, 16.0f / 9, 24.0f / 9, 28.0f / 9}), 1e-7, 1e-6);
  Tensor dx = avg_pool2d_backward(Tensor::full({1, 1, 2, 2}, 9.0f), x.shape(), Layout::kPlain, p);
  EXPECT_EQ(dx.to_vector<float>(), (std::vector<float>{1, 2, 1, 2, 4, 2, 1, 2, 1}));
}

TEST(Pool2d, MaxTiesGoToTheFirstIndex) {
  // Windows 3 x 3, stride 1, pad 1 over a constant image: every window's first real pixel wins.
  Tensor x = Tensor::full({1, 1, 3, 3}, 2.0f);
  const Pool2dParams p{3, 1, 1};
  Tensor dx = max_pool2d_backward(Tensor::full({1, 1, 3, 3}, 1.0f), x, p);
  // Windows at rows/cols 0 and 1 start at pixel (0|0), those at 2 start at row/col 1.
  EXPECT_EQ(dx.to_vector<float>(), (std::vector<float>{4, 2, 0, 2, 1, 0, 0, 0, 0}));
  Tensor dxb = max_pool2d_backward(to_layout(Tensor::full({1, 1, 3, 3}, 1.0f), Layout::kBlocked8),
                                   to_layout(x, Layout::kBlocked8), p);
  EXPECT_ALLCLOSE(dx, dxb, 0, 0);
}

TEST(Pool2d, RejectsBadArguments) {
  EXPECT_THROW(pool2d_shape({1, 1, 4, 4}, {2, 2, 2}), Error);   // pad above half the kernel
  EXPECT_THROW(pool2d_shape({1, 1, 1, 1}, {3, 1, 0}), Error);   // window larger than the image
  EXPECT_THROW(pool2d_shape({1, 4, 4}, {2, 2, 0}), Error);      // not 4-D
  EXPECT_THROW(pool2d_shape({1, 1, 4, 4}, {2, 0, 0}), Error);   // stride 0
  Tensor x = Tensor::zeros({1, 1, 4, 4});
  EXPECT_THROW(max_pool2d_backward(Tensor::zeros({1, 1, 3, 3}), x, {2, 2, 0}), Error);
}

}  // namespace
}  // namespace revive::kernels
