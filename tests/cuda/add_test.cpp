// add_forward and the gradient accumulation (dst += src) on CUDA against the CPU.
#include "kernels/add.h"

#include <gtest/gtest.h>

#include "core/autograd.h"
#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

TEST(CudaAdd, ForwardMatchesCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 1;
  for (const Shape& s : testing::elementwise_shapes()) {
    const Tensor a = random_tensor(s, seed++), b = random_tensor(s, seed++);
    const Tensor got = add_forward(to_cuda(a), to_cuda(b));
    EXPECT_TRUE(got.device().is_cuda());
    EXPECT_ALLCLOSE(add_forward(a, b), got, 0.0, 0.0) << shape_str(s);  // one float add: exact
  }
}

TEST(CudaAdd, FusedReluMatchesCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 101;
  for (const Shape& s : testing::elementwise_shapes()) {
    const Tensor a = random_tensor(s, seed++), b = random_tensor(s, seed++);
    EXPECT_ALLCLOSE(add_forward(a, b, true), add_forward(to_cuda(a), to_cuda(b), true), 0.0, 0.0) << shape_str(s);
  }
}

TEST(CudaAdd, GradientAccumulationMatchesCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 11;
  for (const Shape& s : testing::elementwise_shapes()) {
    Tensor dst = random_tensor(s, seed++);
    const Tensor src = random_tensor(s, seed++);
    Tensor dst_cuda = to_cuda(dst);
    accumulate_(dst_cuda, to_cuda(src));
    accumulate_(dst, src);
    EXPECT_ALLCLOSE(dst, dst_cuda, 0.0, 0.0) << shape_str(s);
  }
}

TEST(CudaAdd, OperandsOnDifferentDevicesAreAnError) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const Tensor a = random_tensor({4}, 1);
  EXPECT_THROW(add_forward(a, to_cuda(a)), Error);
}

}  // namespace
}  // namespace revive::kernels
