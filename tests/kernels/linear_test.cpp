// Linear: gradient checks of the reference loops in double, then the oneDNN entry points against
// the reference over classifier-like shapes and the empty batch.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/linear.h"
#include "support/allclose.h"
#include "support/gradcheck.h"

namespace revive::kernels {
namespace {

using testing::Vec;

struct LinearCase {
  std::string name;
  int64_t N, IN, OUT;
  bool bias;
};

std::ostream& operator<<(std::ostream& os, const LinearCase& c) { return os << c.name; }
std::string case_name(const ::testing::TestParamInfo<LinearCase>& param) { return param.param.name; }

TEST(LinearReferenceGradients, MatchFiniteDifferences) {
  const int64_t N = 3, IN = 5, OUT = 4;
  auto forward = [&](const std::vector<Vec>& in) {
    Vec y(static_cast<size_t>(N * OUT));
    linear_forward_ref<double>(y.data(), in[0].data(), in[1].data(), in[2].data(), N, IN, OUT);
    return y;
  };
  auto backward = [&](const std::vector<Vec>& in, const Vec& dy) {
    Vec dx(in[0].size()), dw(in[1].size(), 0.0), db(in[2].size(), 0.0);
    linear_backward_data_ref<double>(dx.data(), dy.data(), in[1].data(), N, IN, OUT);
    linear_backward_weights_ref<double>(dw.data(), db.data(), in[0].data(), dy.data(), N, IN, OUT);
    return std::vector<Vec>{dx, dw, db};
  };
  const std::vector<Vec> inputs{testing::random_vec(N * IN, 1), testing::random_vec(OUT * IN, 2),
                                testing::random_vec(OUT, 3)};
  EXPECT_TRUE(testing::check_gradients(forward, backward, inputs, {"x", "w", "bias"}));
}

Tensor random_matrix(const Shape& shape, unsigned seed) {
  const Vec v = testing::random_vec(static_cast<size_t>(shape_numel(shape)), seed);
  return Tensor::from_vector<float>(std::vector<float>(v.begin(), v.end()), shape);
}

Vec values(const Tensor& t) {
  const std::vector<float> v = t.to_vector<float>();
  return Vec(v.begin(), v.end());
}

constexpr double kTol = 1e-4;

class LinearOnednn : public ::testing::TestWithParam<LinearCase> {};

TEST_P(LinearOnednn, ForwardMatchesReference) {
  const LinearCase c = GetParam();
  const Tensor x = random_matrix({c.N, c.IN}, 11), w = random_matrix({c.OUT, c.IN}, 12);
  const Tensor bias = c.bias ? random_matrix({c.OUT}, 13) : Tensor();
  const Vec b_vals = c.bias ? values(bias) : Vec();
  Vec y_ref(static_cast<size_t>(c.N * c.OUT));
  linear_forward_ref<double>(y_ref.data(), values(x).data(), values(w).data(), c.bias ? b_vals.data() : nullptr, c.N,
                             c.IN, c.OUT);
  const Tensor y = linear_forward(x, w, bias);
  ASSERT_EQ(y.shape(), (Shape{c.N, c.OUT}));
  EXPECT_ALLCLOSE(y_ref, values(y), kTol, kTol);
}

TEST_P(LinearOnednn, BackwardDataMatchesReference) {
  const LinearCase c = GetParam();
  const Tensor dy = random_matrix({c.N, c.OUT}, 21), w = random_matrix({c.OUT, c.IN}, 22);
  Vec dx_ref(static_cast<size_t>(c.N * c.IN));
  linear_backward_data_ref<double>(dx_ref.data(), values(dy).data(), values(w).data(), c.N, c.IN, c.OUT);
  const Tensor dx = linear_backward_data(dy, w);
  ASSERT_EQ(dx.shape(), (Shape{c.N, c.IN}));
  EXPECT_ALLCLOSE(dx_ref, values(dx), kTol, kTol);
}

TEST_P(LinearOnednn, BackwardWeightsAccumulatesLikeReference) {
  const LinearCase c = GetParam();
  const Tensor x = random_matrix({c.N, c.IN}, 31), dy = random_matrix({c.N, c.OUT}, 32);
  // Pre-filled gradients check the += contract.
  Tensor dw = random_matrix({c.OUT, c.IN}, 33);
  Tensor db = c.bias ? random_matrix({c.OUT}, 34) : Tensor();
  Vec dw_ref = values(dw), db_ref = c.bias ? values(db) : Vec();
  linear_backward_weights_ref<double>(dw_ref.data(), c.bias ? db_ref.data() : nullptr, values(x).data(),
                                      values(dy).data(), c.N, c.IN, c.OUT);
  linear_backward_weights(dw, &db, x, dy);
  EXPECT_ALLCLOSE(dw_ref, values(dw), kTol, kTol);
  if (c.bias) {
    EXPECT_ALLCLOSE(db_ref, values(db), kTol, kTol);
  }
}

// ResNet-20 and MobileNetV2 classifiers, odd sizes, a single sample and a single output.
INSTANTIATE_TEST_SUITE_P(Shapes, LinearOnednn,
                         ::testing::Values(LinearCase{"resnet20_head", 128, 64, 10, true},
                                           LinearCase{"mobilenetv2_head", 16, 1280, 10, true},
                                           LinearCase{"odd_no_bias", 7, 33, 5, false},
                                           LinearCase{"one_sample", 1, 17, 9, true},
                                           LinearCase{"one_output", 6, 8, 1, true}),
                         case_name);

TEST(LinearOnednnEmptyBatch, ReturnsEmptyTensorsAndLeavesGradientsAlone) {
  const Tensor x = Tensor::empty({0, 8}), w = random_matrix({4, 8}, 41);
  const Tensor y = linear_forward(x, w, random_matrix({4}, 42));
  EXPECT_EQ(y.shape(), (Shape{0, 4}));
  EXPECT_EQ(linear_backward_data(y, w).shape(), (Shape{0, 8}));
  Tensor dw = Tensor::full({4, 8}, 0.5f), db = Tensor::full({4}, 0.25f);
  linear_backward_weights(dw, &db, x, y);
  EXPECT_ALLCLOSE(Tensor::full({4, 8}, 0.5f), dw, 0.0, 0.0);
  EXPECT_ALLCLOSE(Tensor::full({4}, 0.25f), db, 0.0, 0.0);
}

TEST(LinearOnednnErrors, RejectsMismatchedShapes) {
  const Tensor x = random_matrix({3, 5}, 51), w = random_matrix({4, 5}, 52);
  EXPECT_THROW(linear_forward(x, random_matrix({4, 6}, 53), Tensor()), Error);
  EXPECT_THROW(linear_forward(x, w, random_matrix({5}, 54)), Error);
  EXPECT_THROW(linear_forward(x.reshape({15}), w, Tensor()), Error);
  EXPECT_THROW(linear_backward_data(random_matrix({3, 5}, 55), w), Error);
  Tensor dw = Tensor::zeros({4, 5});
  EXPECT_THROW(linear_backward_weights(dw, nullptr, x, random_matrix({2, 4}, 56)), Error);
}

}  // namespace
}  // namespace revive::kernels
