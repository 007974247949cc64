// Channel shuffle on CUDA against the CPU: a permutation, so exact.
#include "kernels/channel_shuffle.h"

#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

TEST(CudaChannelShuffle, ForwardAndBackwardMatchCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  struct Case {
    Shape x;
    int groups;
  };
  const std::vector<Case> cases{{{2, 6, 3, 3}, 2},   {{2, 6, 3, 3}, 3},  {{1, 1, 1, 1}, 1},  {{3, 12, 5}, 4},
                                {{0, 4, 2, 2}, 2},   {{4, 240, 7, 9}, 3}, {{2, 8, 1, 1}, 8}};
  unsigned seed = 1;
  for (const Case& c : cases) {
    const Tensor x = random_tensor(c.x, seed++), dy = random_tensor(c.x, seed++);
    EXPECT_ALLCLOSE(channel_shuffle_forward(x, c.groups), channel_shuffle_forward(to_cuda(x), c.groups), 0.0, 0.0)
        << shape_str(c.x) << " groups " << c.groups;
    EXPECT_ALLCLOSE(channel_shuffle_backward(dy, c.groups, Layout::kPlain),
                    channel_shuffle_backward(to_cuda(dy), c.groups, Layout::kPlain), 0.0, 0.0)
        << shape_str(c.x) << " groups " << c.groups;
  }
}

}  // namespace
}  // namespace revive::kernels
