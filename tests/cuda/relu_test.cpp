// relu and relu6, forward and backward, on CUDA against the CPU. The kernels evaluate the very
// REVIVE_HD functions the CPU loops do (comparisons and selections, no arithmetic): exact.
#include "kernels/relu.h"

#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

TEST(CudaRelu, ForwardAndBackwardMatchCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 1;
  for (const Shape& s : testing::elementwise_shapes()) {
    // Values across both kinks of relu6, 0 and 6.
    const Tensor x = random_tensor(s, seed++, -3.0, 9.0), dy = random_tensor(s, seed++);
    const Tensor y = relu_forward(x), y6 = relu6_forward(x);
    const Tensor y_cuda = relu_forward(to_cuda(x)), y6_cuda = relu6_forward(to_cuda(x));
    EXPECT_ALLCLOSE(y, y_cuda, 0.0, 0.0) << shape_str(s);
    EXPECT_ALLCLOSE(y6, y6_cuda, 0.0, 0.0) << shape_str(s);
    EXPECT_ALLCLOSE(relu_backward(dy, y), relu_backward(to_cuda(dy), y_cuda), 0.0, 0.0) << shape_str(s);
    EXPECT_ALLCLOSE(relu6_backward(dy, y6), relu6_backward(to_cuda(dy), y6_cuda), 0.0, 0.0) << shape_str(s);
  }
}

}  // namespace
}  // namespace revive::kernels
