// The fused SGD update on CUDA against the CPU, for every option combination and arena sizes
// around the block size. nvcc may fuse the update's multiply-adds: 1e-5 after three steps.
#include "kernels/sgd_update.h"

#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

TEST(CudaSgdUpdate, MatchesCpuForEveryOption) {
  REVIVE_SKIP_WITHOUT_CUDA();
  struct Options {
    float momentum, dampening, weight_decay;
    bool nesterov;
  };
  const std::vector<Options> options{{0, 0, 0, false}, {0.9f, 0, 5e-4f, false}, {0.9f, 0.1f, 1e-3f, false},
                                     {0.9f, 0, 5e-4f, true}, {0, 0, 1e-2f, false}};
  unsigned seed = 1;
  for (const Options& o : options) {
    for (int64_t n : {0, 1, 255, 257, 100003}) {
      Tensor param = random_tensor({n}, seed++), buf = Tensor::zeros({n});
      Tensor param_cuda = to_cuda(param), buf_cuda = to_cuda(buf);
      SgdUpdateParams h;
      h.lr = 0.05f;
      h.momentum = o.momentum;
      h.dampening = o.dampening;
      h.weight_decay = o.weight_decay;
      h.nesterov = o.nesterov;
      for (int step = 0; step < 3; ++step) {
        const Tensor grad = random_tensor({n}, seed++);
        sgd_update(param, buf, grad, h);
        sgd_update(param_cuda, buf_cuda, to_cuda(grad), h);
        h.momentum_initialised = o.momentum != 0;
      }
      EXPECT_ALLCLOSE(param, param_cuda, 1e-5, 1e-5) << "n " << n << " momentum " << o.momentum;
      if (o.momentum != 0) {
        EXPECT_ALLCLOSE(buf, buf_cuda, 1e-5, 1e-5) << "n " << n;
      }
    }
  }
}

}  // namespace
}  // namespace revive::kernels
