#include "kernels/sgd_update.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/rng.h"
#include "support/allclose.h"

namespace revive::kernels {
namespace {

std::vector<float> random_vector(int64_t n, uint64_t stream) {
  Rng rng(1234, stream);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = rng.uniform(-2.0f, 2.0f);
  return v;
}

SgdUpdateParams make_params(float momentum, float dampening, float weight_decay, bool nesterov, bool initialised) {
  SgdUpdateParams h;
  h.lr = 0.1f;
  h.momentum = momentum;
  h.dampening = dampening;
  h.weight_decay = weight_decay;
  h.nesterov = nesterov;
  h.momentum_initialised = initialised;
  return h;
}

TEST(SgdUpdate, ElementFollowsPyTorchFormulas) {
  // One element, dyadic values so float arithmetic is exact: p = 2, dp = 0.5, buf = 1.
  auto run = [](const SgdUpdateParams& h) {
    float p = 2.0f, buf = 1.0f;
    const float dp = 0.5f;
    sgd_update_element(&p, &buf, &dp, 0, h);
    return std::vector<float>{p, buf};
  };
  SgdUpdateParams h;
  h.lr = 0.5f;
  EXPECT_EQ(run(h), (std::vector<float>{1.75f, 1.0f}));  // 2 - 0.5*0.5; buffer untouched
  h.weight_decay = 0.25f;                                // g = 0.5 + 0.25*2 = 1
  EXPECT_EQ(run(h), (std::vector<float>{1.5f, 1.0f}));
  h.weight_decay = 0.0f;
  h.momentum = 0.5f;
  h.dampening = 0.5f;
  h.momentum_initialised = false;                        // first step: buf = g, no dampening
  EXPECT_EQ(run(h), (std::vector<float>{1.75f, 0.5f}));
  h.momentum_initialised = true;                         // buf = 0.5*1 + 0.5*0.5 = 0.75
  EXPECT_EQ(run(h), (std::vector<float>{1.625f, 0.75f}));
  h.dampening = 0.0f;
  h.nesterov = true;                                     // buf = 1; g = 0.5 + 0.5*1 = 1
  EXPECT_EQ(run(h), (std::vector<float>{1.5f, 1.0f}));
}

TEST(SgdUpdate, MomentumZeroNeedsNoBuffer) {
  Tensor p = Tensor::from_vector<float>({1.0f, 2.0f, 3.0f}, {3});
  Tensor dp = Tensor::from_vector<float>({1.0f, 1.0f, -1.0f}, {3});
  Tensor none;
  SgdUpdateParams h;
  h.lr = 0.5f;
  sgd_update(p, none, dp, h);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.5f, 1.5f, 3.5f}));
  EXPECT_FALSE(none.defined());
}

// The parallel, unswitched loop must give what a serial loop over the element function gives, for
// every flag combination and for sizes around the vector width and the parallel threshold.
TEST(SgdUpdate, LoopMatchesSerialElementLoop) {
  const std::vector<int64_t> sizes{0, 1, 7, 33, (int64_t{1} << 15) + 3};
  for (int64_t n : sizes) {
    for (int flags = 0; flags < 16; ++flags) {
      const bool momentum = flags & 1, dampening = flags & 2, nesterov = flags & 4, initialised = flags & 8;
      if (nesterov && (!momentum || dampening)) continue;
      const SgdUpdateParams h = make_params(momentum ? 0.9f : 0.0f, dampening ? 0.3f : 0.0f, 5e-4f, nesterov, initialised);
      std::vector<float> p = random_vector(n, 1), buf = random_vector(n, 2);
      const std::vector<float> dp = random_vector(n, 3);
      std::vector<float> p_ref = p, buf_ref = buf;
      for (int64_t i = 0; i < n; ++i) sgd_update_element(p_ref.data(), buf_ref.data(), dp.data(), i, h);
      sgd_update_cpu(p.data(), buf.data(), dp.data(), n, h);
      SCOPED_TRACE("n " + std::to_string(n) + " flags " + std::to_string(flags));
      // Same per-element operations in the same order; the tolerance only allows for a compiler
      // contracting a*b+c into an FMA in one loop version and not in the other.
      EXPECT_ALLCLOSE(p_ref, p, 1e-6, 1e-6);
      EXPECT_ALLCLOSE(buf_ref, buf, 1e-6, 1e-6);
    }
  }
}

TEST(SgdUpdate, TensorEntryUpdatesWholeArena) {
  const int64_t n = 1000;
  const SgdUpdateParams h = make_params(0.9f, 0.0f, 5e-4f, true, true);
  std::vector<float> p_ref = random_vector(n, 4), buf_ref = random_vector(n, 5);
  const std::vector<float> dp_values = random_vector(n, 6);
  // Any shape is accepted: the arena is flat.
  Tensor p = Tensor::from_vector<float>(p_ref, {10, 100});
  Tensor buf = Tensor::from_vector<float>(buf_ref, {n});
  Tensor dp = Tensor::from_vector<float>(dp_values, {n});
  for (int64_t i = 0; i < n; ++i) sgd_update_element(p_ref.data(), buf_ref.data(), dp_values.data(), i, h);
  sgd_update(p, buf, dp, h);
  EXPECT_ALLCLOSE(p_ref, p.to_vector<float>(), 1e-6, 1e-6);
  EXPECT_ALLCLOSE(buf_ref, buf.to_vector<float>(), 1e-6, 1e-6);
}

TEST(SgdUpdate, TheRateInATensorGivesTheRateByValuesBits) {
  const int64_t n = 300;
  SgdUpdateParams h = make_params(0.9f, 0.0f, 5e-4f, false, true);
  Tensor p1 = Tensor::from_vector<float>(random_vector(n, 7), {n}), p2 = p1.clone();
  Tensor b1 = Tensor::from_vector<float>(random_vector(n, 8), {n}), b2 = b1.clone();
  const Tensor dp = Tensor::from_vector<float>(random_vector(n, 9), {n});
  h.lr = 0.0371f;
  sgd_update(p1, b1, dp, h);
  SgdUpdateParams ignored = h;
  ignored.lr = 123.0f;  // the tensor's rate is the one used
  sgd_update(p2, b2, dp, ignored, Tensor::from_vector<float>({0.0371f}, {1}));
  EXPECT_EQ(p1.to_vector<float>(), p2.to_vector<float>());
  EXPECT_EQ(b1.to_vector<float>(), b2.to_vector<float>());
  EXPECT_THROW(sgd_update(p2, b2, dp, h, Tensor::from_vector<float>({0.1f, 0.2f}, {2})), Error);
  EXPECT_THROW(sgd_update(p2, b2, dp, h, Tensor()), Error);
}

TEST(SgdUpdate, RejectsMismatchedArenas) {
  Tensor p = Tensor::zeros({4});
  Tensor buf = Tensor::zeros({4});
  Tensor dp = Tensor::zeros({4});
  Tensor short_dp = Tensor::zeros({3});
  Tensor int_dp = Tensor::zeros({4}, DType::kInt32);
  Tensor none;
  const SgdUpdateParams h = make_params(0.9f, 0.0f, 0.0f, false, true);
  EXPECT_THROW(sgd_update(p, buf, short_dp, h), Error);
  EXPECT_THROW(sgd_update(p, buf, int_dp, h), Error);
  EXPECT_THROW(sgd_update(p, none, dp, h), Error);  // momentum != 0 needs a buffer
  Tensor short_buf = Tensor::zeros({5});
  EXPECT_THROW(sgd_update(p, short_buf, dp, h), Error);
  Tensor blocked = Tensor::zeros({1, 4, 1, 1}, DType::kFloat32, Device::cpu(), Layout::kBlocked8);
  EXPECT_THROW(sgd_update(blocked, buf, dp, h), Error);
}

}  // namespace
}  // namespace revive::kernels
