// Global average pooling on CUDA against the CPU. The forward sums each plane in a different
// order (a warp reduction against the CPU's serial loop): 1e-5, a reduction over at most a few
// thousand values of magnitude <= 1.
#include "kernels/global_avg_pool.h"

#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

TEST(CudaGlobalAvgPool, ForwardAndBackwardMatchCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 1;
  for (const Shape& s : std::vector<Shape>{{2, 3, 8, 8}, {1, 1, 1, 1}, {3, 7, 5, 9}, {0, 4, 2, 2}, {2, 300, 33, 31}}) {
    const Tensor x = random_tensor(s, seed++);
    const Tensor y = global_avg_pool_forward(x);
    EXPECT_ALLCLOSE(y, global_avg_pool_forward(to_cuda(x)), 1e-5, 1e-5) << shape_str(s);
    const Tensor dy = random_tensor(y.shape(), seed++);
    // One product per element: exact.
    EXPECT_ALLCLOSE(global_avg_pool_backward(dy, s, Layout::kPlain),
                    global_avg_pool_backward(to_cuda(dy), s, Layout::kPlain), 0.0, 0.0)
        << shape_str(s);
  }
}

// A plane without pixels has no average: the same error on both devices.
TEST(CudaGlobalAvgPool, NoPixelsIsTheCpuError) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const Tensor x = Tensor::empty({2, 3, 0, 4});
  const std::string cpu = testing::error_message([&] { global_avg_pool_forward(x); });
  EXPECT_NE(cpu, "");
  EXPECT_EQ(cpu, testing::error_message([&] { global_avg_pool_forward(to_cuda(x)); }));
}

}  // namespace
}  // namespace revive::kernels
