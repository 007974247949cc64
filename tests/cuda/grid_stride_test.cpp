// Grid-stride loops past one grid: launch_linear caps a launch at kMaxBlocks x kBlock = 2^24
// threads, so a tensor of more elements is covered by threads that loop. The tail past 2^24, the
// elements only a second trip reaches, must be written like the rest: fill (float, and -0.0f,
// whose bits are not zero), add with the fused rectifier, and the SGD update against the CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "cuda/cuda_test_util.h"
#include "kernels/add.h"
#include "kernels/sgd_update.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

constexpr int64_t kPastOneGrid = (int64_t{1} << 24) + 4099;

TEST(CudaGridStride, OpsCoverElementsPastOneGrid) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const std::vector<float> minus_zero = Tensor::full({kPastOneGrid}, -0.0f, Device::cuda()).to_vector<float>();
  for (int64_t i = 0; i < kPastOneGrid; ++i) ASSERT_TRUE(minus_zero[i] == 0.0f && std::signbit(minus_zero[i])) << i;

  const Tensor a = random_tensor({kPastOneGrid}, 1), b = random_tensor({kPastOneGrid}, 2);
  EXPECT_ALLCLOSE(add_forward(a, b, true), add_forward(to_cuda(a), to_cuda(b), true), 0, 0);

  Tensor param = random_tensor({kPastOneGrid}, 3), buf = Tensor::zeros({kPastOneGrid});
  Tensor param_cuda = to_cuda(param), buf_cuda = to_cuda(buf);
  SgdUpdateParams h;
  h.lr = 0.05f;
  h.momentum = 0.9f;
  h.weight_decay = 5e-4f;
  for (int step = 0; step < 2; ++step) {
    const Tensor grad = random_tensor({kPastOneGrid}, 4u + static_cast<unsigned>(step));
    sgd_update(param, buf, grad, h);
    sgd_update(param_cuda, buf_cuda, to_cuda(grad), h);
    h.momentum_initialised = true;
  }
  EXPECT_ALLCLOSE(param, param_cuda, 1e-5, 1e-5);  // nvcc may fuse the update's multiply-adds
  EXPECT_ALLCLOSE(buf, buf_cuda, 1e-5, 1e-5);
}

}  // namespace
}  // namespace revive::kernels
