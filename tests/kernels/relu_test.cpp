#include "kernels/relu.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernels/layout.h"
#include "support/allclose.h"
#include "support/gradcheck.h"
#include "support/tensor_utils.h"

namespace revive::kernels {
namespace {

using testing::Vec;

struct Rectifier {
  const char* name;
  void (*forward_cpu)(double*, const double*, int64_t);
  void (*backward_cpu)(double*, const double*, const double*, int64_t);
  Tensor (*forward)(const Tensor&);
  Tensor (*backward)(const Tensor&, const Tensor&);
};

const Rectifier kRelu{"relu", relu_forward_cpu<double>, relu_backward_cpu<double>, relu_forward, relu_backward};
const Rectifier kRelu6{"relu6", relu6_forward_cpu<double>, relu6_backward_cpu<double>, relu6_forward, relu6_backward};

void PrintTo(const Rectifier& r, std::ostream* os) { *os << r.name; }

class Rectifiers : public ::testing::TestWithParam<Rectifier> {};

TEST_P(Rectifiers, GradientsAwayFromKinks) {
  const Rectifier& f = GetParam();
  // Spread over both kinks (0 and 6), then push every value at least 0.05 away from them.
  Vec x = testing::random_vec(200, 1, -3.0, 9.0);
  for (double& v : x) {
    for (double kink : {0.0, 6.0}) {
      if (std::fabs(v - kink) < 0.05) v = kink + (v < kink ? -0.05 : 0.05);
    }
  }
  auto fwd = [&](const std::vector<Vec>& in) {
    Vec y(in[0].size());
    f.forward_cpu(y.data(), in[0].data(), static_cast<int64_t>(y.size()));
    return y;
  };
  auto bwd = [&](const std::vector<Vec>& in, const Vec& dy) {
    const Vec y = fwd(in);
    Vec dx(y.size());
    f.backward_cpu(dx.data(), dy.data(), y.data(), static_cast<int64_t>(y.size()));
    return std::vector<Vec>{dx};
  };
  EXPECT_TRUE(testing::check_gradients(fwd, bwd, {x}, {"x"}));
}

TEST_P(Rectifiers, BlockedEqualsPlain) {
  const Rectifier& f = GetParam();
  const Shape s{2, 12, 3, 5};
  Tensor x = testing::random_tensor(s, 2, -3.0, 9.0), dy = testing::random_tensor(s, 3);
  Tensor y = f.forward(x), dx = f.backward(dy, y);
  for (Layout layout : {Layout::kBlocked8, Layout::kBlocked16}) {
    Tensor yb = f.forward(to_layout(x, layout));
    Tensor dxb = f.backward(to_layout(dy, layout), yb);
    ASSERT_EQ(yb.layout(), layout);
    ASSERT_EQ(dxb.layout(), layout);
    EXPECT_TRUE(testing::padding_is_zero(yb));
    EXPECT_TRUE(testing::padding_is_zero(dxb));
    EXPECT_ALLCLOSE(y, yb, 0, 0);
    EXPECT_ALLCLOSE(dx, dxb, 0, 0);
  }
  EXPECT_THROW(f.backward(Tensor::zeros({2, 12, 3, 4}), y), Error);
}

INSTANTIATE_TEST_SUITE_P(All, Rectifiers, ::testing::Values(kRelu, kRelu6),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(Relu, ValuesAndMasks) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = Tensor::from_vector<float>({-2.0f, 0.0f, 3.0f, 6.0f, 7.5f, nan}, {6});
  const std::vector<float> r = relu_forward(x).to_vector<float>(), r6 = relu6_forward(x).to_vector<float>();
  EXPECT_EQ(std::vector<float>(r.begin(), r.end() - 1), (std::vector<float>{0, 0, 3, 6, 7.5f}));
  EXPECT_EQ(std::vector<float>(r6.begin(), r6.end() - 1), (std::vector<float>{0, 0, 3, 6, 6}));
  EXPECT_TRUE(std::isnan(r.back()));
  EXPECT_TRUE(std::isnan(r6.back()));
  Tensor ones = Tensor::full({6}, 1.0f);
  const std::vector<float> d = relu_backward(ones, relu_forward(x)).to_vector<float>();
  const std::vector<float> d6 = relu6_backward(ones, relu6_forward(x)).to_vector<float>();
  EXPECT_EQ(d, (std::vector<float>{0, 0, 1, 1, 1, 0}));
  EXPECT_EQ(d6, (std::vector<float>{0, 0, 1, 0, 0, 0}));
}

}  // namespace
}  // namespace revive::kernels
