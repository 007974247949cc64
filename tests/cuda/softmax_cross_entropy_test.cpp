// Fused softmax cross-entropy on CUDA against the CPU: the per-row math is the shared
// softmax_cross_entropy_row, but device expf/logf differ from the host's in the last bit and the
// batch sum runs in another order: 1e-5.
#include "kernels/softmax_cross_entropy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>

#include "core/rng.h"
#include "kernels/label_check.h"
#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::to_cuda;

Tensor random_labels(int64_t N, int64_t K, uint64_t seed) {
  Rng rng(seed);
  std::vector<int64_t> v(static_cast<size_t>(N));
  for (int64_t& l : v) l = static_cast<int64_t>(rng.below(static_cast<uint64_t>(K)));
  return Tensor::from_vector(v, {N});
}

TEST(CudaSoftmaxCrossEntropy, ForwardAndBackwardMatchCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  struct Case {
    int64_t N, K;
    double scale;  // logit magnitude
  };
  // One row of one class; batches around the 256 threads of the block; logits of 1e4, where an
  // unshifted exp would overflow.
  const std::vector<Case> cases{{1, 1, 1}, {1, 10, 3}, {128, 10, 3}, {255, 7, 1}, {257, 100, 5}, {1000, 10, 2},
                                {16, 10, 1e4}};
  unsigned seed = 1;
  for (const Case& c : cases) {
    const Tensor logits = testing::random_tensor({c.N, c.K}, seed++, -c.scale, c.scale);
    const Tensor labels = random_labels(c.N, c.K, seed++);
    const SoftmaxCrossEntropy ref = softmax_cross_entropy_forward(logits, labels);
    const SoftmaxCrossEntropy got = softmax_cross_entropy_forward(to_cuda(logits), to_cuda(labels));
    EXPECT_TRUE(std::isfinite(got.loss.item()));
    EXPECT_ALLCLOSE(ref.loss, got.loss, 1e-5, 1e-5) << c.N << "x" << c.K;
    EXPECT_ALLCLOSE(ref.probs, got.probs, 1e-5, 1e-5) << c.N << "x" << c.K;
    // dloss stays on the device (no host round trip in the CUDA backward).
    const Tensor dloss = Tensor::full({}, 2.5f);
    EXPECT_ALLCLOSE(softmax_cross_entropy_backward(ref.probs, labels, dloss),
                    softmax_cross_entropy_backward(got.probs, to_cuda(labels), to_cuda(dloss)), 1e-5, 1e-5)
        << c.N << "x" << c.K;
  }
}

// The mean over an empty batch is undefined: the same error on both devices.
TEST(CudaSoftmaxCrossEntropy, EmptyBatchIsTheCpuError) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const Tensor logits = Tensor::empty({0, 10});
  const Tensor labels = Tensor::from_vector(std::vector<int64_t>{}, {0});
  const std::string cpu = testing::error_message([&] { softmax_cross_entropy_forward(logits, labels); });
  EXPECT_NE(cpu, "");
  EXPECT_EQ(cpu, testing::error_message([&] { softmax_cross_entropy_forward(to_cuda(logits), to_cuda(labels)); }));
}

// The CPU entry reads the labels and names a bad one; the CUDA path does not read device labels
// back per step (that would wait for the GPU): its loss turns NaN and the first bad row is
// recorded, and take_bad_label gives the CPU's message later. Later batches keep the first record.
TEST(CudaSoftmaxCrossEntropy, LabelOutOfRangeIsRecordedForTheCpuMessage) {
  REVIVE_SKIP_WITHOUT_CUDA();
  ASSERT_FALSE(take_bad_label(Device::cuda()).has_value());
  // 300 rows: the bad rows 2 and 260 fall to different threads of the 256-thread block.
  const int64_t N = 300, K = 3;
  const Tensor logits = testing::random_tensor({N, K}, 1);
  std::vector<int64_t> l(static_cast<size_t>(N), 1);
  l[260] = -1;
  l[2] = 3;
  const Tensor labels = Tensor::from_vector(l, {N});
  const std::string cpu_message = testing::error_message([&] { softmax_cross_entropy_forward(logits, labels); });
  const BadLabel expected{2, 3, K};
  ASSERT_EQ(cpu_message.rfind(bad_label_message("softmax_cross_entropy", expected), 0), 0u) << cpu_message;

  EXPECT_TRUE(std::isnan(softmax_cross_entropy_forward(to_cuda(logits), to_cuda(labels)).loss.item()));
  std::vector<int64_t> later(static_cast<size_t>(N), 0);
  later[0] = 7;
  softmax_cross_entropy_forward(to_cuda(logits), to_cuda(Tensor::from_vector(later, {N})));
  const std::optional<BadLabel> got = take_bad_label(Device::cuda());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(bad_label_message("softmax_cross_entropy", *got), bad_label_message("softmax_cross_entropy", expected));
  EXPECT_FALSE(take_bad_label(Device::cuda()).has_value()) << "the read-back clears the record";

  // Good labels record nothing.
  softmax_cross_entropy_forward(to_cuda(logits), to_cuda(Tensor::from_vector(std::vector<int64_t>(N, 2), {N})));
  EXPECT_FALSE(take_bad_label(Device::cuda()).has_value());
}

}  // namespace
}  // namespace revive::kernels
