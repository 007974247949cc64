// Max and average pooling on CUDA against the CPU. The kernels run the CPU's window logic
// (pool_window, max_pool_argmax, the same row-major summation and scatter order), so results agree
// exactly; the inputs are rounded to quarters so that windows hold ties, which the first-maximum
// rule must break the same way.
#include "kernels/pool2d.h"

#include <gtest/gtest.h>

#include <cmath>

#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::to_cuda;

Tensor quarters(const Shape& s, unsigned seed) {
  std::vector<float> v = testing::random_tensor(s, seed, -2.0, 2.0).to_vector<float>();
  for (float& f : v) f = std::round(f * 4.0f) / 4.0f;
  return Tensor::from_vector(v, s);
}

struct Case {
  Shape x;
  Pool2dParams p;
};

// Overlapping windows (stride < kernel), padding, odd sizes, one pixel, an empty batch.
const std::vector<Case> kCases{{{2, 3, 8, 8}, {2, 2, 0}}, {{3, 2, 9, 7}, {3, 2, 1}}, {{1, 4, 6, 5}, {3, 1, 1}},
                               {{2, 1, 5, 5}, {2, 1, 0}}, {{1, 1, 1, 1}, {1, 1, 0}}, {{0, 2, 4, 4}, {2, 2, 0}},
                               {{4, 33, 16, 16}, {3, 2, 1}}};

TEST(CudaPool2d, MaxForwardAndBackwardMatchCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 1;
  for (const Case& c : kCases) {
    const Tensor x = quarters(c.x, seed++);
    const Tensor y = max_pool2d_forward(x, c.p), y_cuda = max_pool2d_forward(to_cuda(x), c.p);
    EXPECT_ALLCLOSE(y, y_cuda, 0.0, 0.0) << shape_str(c.x);
    const Tensor dy = testing::random_tensor(y.shape(), seed++);
    EXPECT_ALLCLOSE(max_pool2d_backward(dy, x, c.p), max_pool2d_backward(to_cuda(dy), to_cuda(x), c.p), 0.0, 0.0)
        << shape_str(c.x);
  }
}

TEST(CudaPool2d, AvgForwardAndBackwardMatchCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 31;
  for (const Case& c : kCases) {
    const Tensor x = testing::random_tensor(c.x, seed++);
    const Tensor y = avg_pool2d_forward(x, c.p), y_cuda = avg_pool2d_forward(to_cuda(x), c.p);
    EXPECT_ALLCLOSE(y, y_cuda, 0.0, 0.0) << shape_str(c.x);
    const Tensor dy = testing::random_tensor(y.shape(), seed++);
    EXPECT_ALLCLOSE(avg_pool2d_backward(dy, c.x, Layout::kPlain, c.p),
                    avg_pool2d_backward(to_cuda(dy), c.x, Layout::kPlain, c.p), 0.0, 0.0)
        << shape_str(c.x);
  }
}

}  // namespace
}  // namespace revive::kernels
