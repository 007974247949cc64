// The option-A ResNet shortcut on CUDA against the CPU: data movement only, so exact.
#include "kernels/subsample_pad_channels.h"

#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

TEST(CudaSubsamplePadChannels, ForwardAndBackwardMatchCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  struct Case {
    Shape x;
    SubsamplePad p;
  };
  const std::vector<Case> cases{{{2, 16, 32, 32}, {2, 8, 8}}, {{3, 5, 7, 9}, {2, 2, 3}}, {{1, 1, 1, 1}, {2, 0, 0}},
                                {{2, 3, 5, 5}, {1, 1, 0}},    {{0, 4, 6, 6}, {2, 2, 2}}, {{4, 7, 9, 4}, {3, 0, 5}}};
  unsigned seed = 1;
  for (const Case& c : cases) {
    const Tensor x = random_tensor(c.x, seed++);
    const Tensor y = subsample_pad_channels_forward(x, c.p);
    EXPECT_ALLCLOSE(y, subsample_pad_channels_forward(to_cuda(x), c.p), 0.0, 0.0) << shape_str(c.x);
    const Tensor dy = random_tensor(y.shape(), seed++);
    EXPECT_ALLCLOSE(subsample_pad_channels_backward(dy, c.x, Layout::kPlain, c.p),
                    subsample_pad_channels_backward(to_cuda(dy), c.x, Layout::kPlain, c.p), 0.0, 0.0)
        << shape_str(c.x);
  }
}

}  // namespace
}  // namespace revive::kernels
