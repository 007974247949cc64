// Channel concatenation on CUDA against the CPU: data movement only, so exact.
#include "kernels/concat.h"

#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

TEST(CudaConcat, ForwardAndBackwardMatchCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const std::vector<std::vector<Shape>> cases{
      {{2, 3, 4, 5}, {2, 1, 4, 5}, {2, 7, 4, 5}},  // 4-D activations
      {{5, 3}, {5, 4}},                            // 2-D
      {{1, 1, 1, 1}},                              // one input of one element
      {{0, 2, 3, 3}, {0, 5, 3, 3}},                // empty batch
      {{3, 2, 17, 19}, {3, 0, 17, 19}, {3, 40, 17, 19}}};  // an input with no channels
  unsigned seed = 1;
  for (const auto& shapes : cases) {
    std::vector<Tensor> xs, xs_cuda;
    for (const Shape& s : shapes) {
      xs.push_back(random_tensor(s, seed++));
      xs_cuda.push_back(to_cuda(xs.back()));
    }
    const Tensor y = concat_forward(xs), y_cuda = concat_forward(xs_cuda);
    EXPECT_ALLCLOSE(y, y_cuda, 0.0, 0.0) << shape_str(y.shape());
    const Tensor dy = random_tensor(y.shape(), seed++), dy_cuda = to_cuda(dy);
    int64_t c_begin = 0;
    for (const Shape& s : shapes) {
      EXPECT_ALLCLOSE(concat_backward(dy, c_begin, s, Layout::kPlain),
                      concat_backward(dy_cuda, c_begin, s, Layout::kPlain), 0.0, 0.0)
          << shape_str(s);
      c_begin += s[1];
    }
  }
}

}  // namespace
}  // namespace revive::kernels
