#include "kernels/softmax_cross_entropy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "support/allclose.h"
#include "support/gradcheck.h"
#include "support/tensor_utils.h"

namespace revive::kernels {
namespace {

using testing::Vec;

Tensor labels_of(const std::vector<int64_t>& v) { return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}); }

TEST(SoftmaxCrossEntropy, HandComputedExample) {
  Tensor logits = Tensor::from_vector<float>({1, 2, 3, 1, 1, 1}, {2, 3});
  SoftmaxCrossEntropy f = softmax_cross_entropy_forward(logits, labels_of({2, 0}));
  const double lse0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  EXPECT_EQ(f.loss.shape(), Shape{});
  EXPECT_NEAR(f.loss.item(), ((lse0 - 3) + std::log(3.0)) / 2, 1e-6);
  const std::vector<float> p = f.probs.to_vector<float>();
  EXPECT_NEAR(p[0], std::exp(1 - lse0), 1e-7);
  EXPECT_NEAR(p[4], 1.0 / 3, 1e-7);
  // dlogits = (p - onehot) / N
  const std::vector<float> d = softmax_cross_entropy_backward(f.probs, labels_of({2, 0}), Tensor::full({}, 1.0f))
                                   .to_vector<float>();
  EXPECT_NEAR(d[2], (std::exp(3 - lse0) - 1) / 2, 1e-7);
  EXPECT_NEAR(d[3], (1.0 / 3 - 1) / 2, 1e-7);
  EXPECT_NEAR(d[5], 1.0 / 6, 1e-7);
}

TEST(SoftmaxCrossEntropy, LargeLogitsStayFinite) {
  Tensor logits = Tensor::from_vector<float>({1e4f, 0, -1e4f, 1e4f, 1e4f + 1, 0}, {2, 3});
  SoftmaxCrossEntropy f = softmax_cross_entropy_forward(logits, labels_of({1, 1}));
  ASSERT_TRUE(std::isfinite(f.loss.item()));
  EXPECT_NEAR(f.loss.item(), (1e4 + std::log1p(std::exp(-1.0))) / 2, 1e-3);
  for (float v : f.probs.to_vector<float>()) EXPECT_TRUE(std::isfinite(v));
  for (float v : softmax_cross_entropy_backward(f.probs, labels_of({1, 1}), Tensor::full({}, 1.0f)).to_vector<float>()) {
    EXPECT_TRUE(std::isfinite(v));
  }
}

TEST(SoftmaxCrossEntropy, Gradients) {
  const int64_t N = 4, K = 5;
  const std::vector<int64_t> labels{3, 0, 4, 3};
  auto fwd = [&](const std::vector<Vec>& in) {
    Vec probs(N * K);
    return Vec{softmax_cross_entropy_forward_cpu(probs.data(), in[0].data(), labels.data(), N, K)};
  };
  auto bwd = [&](const std::vector<Vec>& in, const Vec& dloss) {
    Vec probs(N * K), dlogits(N * K);
    softmax_cross_entropy_forward_cpu(probs.data(), in[0].data(), labels.data(), N, K);
    softmax_cross_entropy_backward_cpu(dlogits.data(), probs.data(), labels.data(), dloss[0], N, K);
    return std::vector<Vec>{dlogits};
  };
  EXPECT_TRUE(testing::check_gradients(fwd, bwd, {testing::random_vec(N * K, 1, -3.0, 3.0)}, {"logits"}));
}

TEST(SoftmaxCrossEntropy, FloatTensorPathMatchesDoubleKernel) {
  const int64_t N = 7, K = 10;
  Tensor logits = testing::random_tensor({N, K}, 2, -5.0, 5.0);
  const std::vector<int64_t> labels{0, 9, 3, 3, 5, 1, 8};
  const Vec lv = testing::to_vec(logits);
  Vec probs(N * K), dlogits(N * K);
  const double loss = softmax_cross_entropy_forward_cpu(probs.data(), lv.data(), labels.data(), N, K);
  softmax_cross_entropy_backward_cpu(dlogits.data(), probs.data(), labels.data(), 0.5, N, K);
  SoftmaxCrossEntropy f = softmax_cross_entropy_forward(logits, labels_of(labels));
  EXPECT_NEAR(f.loss.item(), loss, 1e-5);
  EXPECT_ALLCLOSE(dlogits, testing::to_vec(softmax_cross_entropy_backward(f.probs, labels_of(labels),
                                                                          Tensor::full({}, 0.5f))),
                  1e-6, 1e-5);
}

TEST(SoftmaxCrossEntropy, ClearErrorsForBadLabels) {
  Tensor logits = Tensor::zeros({3, 4});
  try {
    softmax_cross_entropy_forward(logits, labels_of({0, 4, 1}));
    FAIL() << "a label out of range was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("labels[1] = 4 is outside [0, 4)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(softmax_cross_entropy_forward(logits, labels_of({0, -1, 1})), Error);
  EXPECT_THROW(softmax_cross_entropy_forward(logits, labels_of({0, 1})), Error);
  EXPECT_THROW(softmax_cross_entropy_forward(logits, Tensor::from_vector<int32_t>({0, 1, 2}, {3})), Error);
  EXPECT_THROW(softmax_cross_entropy_forward(Tensor::zeros({3, 4, 1}), labels_of({0, 1, 2})), Error);
  EXPECT_THROW(softmax_cross_entropy_forward(Tensor::zeros({0, 4}), labels_of({})), Error);
}

}  // namespace
}  // namespace revive::kernels
