// cuBLAS linear layer against the CPU (oneDNN): forward with and without bias, backward data,
// backward weights and bias accumulating into pre-filled gradients. Matrix products: 1e-4.
#include "kernels/linear.h"

#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

TEST(CudaLinear, ForwardAndBackwardMatchCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  struct Case {
    int64_t N, IN, OUT;
  };
  const std::vector<Case> cases{{0, 4, 3}, {1, 1, 1}, {5, 7, 3}, {128, 64, 10}, {257, 33, 100}};
  unsigned seed = 1;
  for (const Case& c : cases) {
    for (bool bias : {true, false}) {
      const Tensor x = random_tensor({c.N, c.IN}, seed++), w = random_tensor({c.OUT, c.IN}, seed++);
      const Tensor b = bias ? random_tensor({c.OUT}, seed++) : Tensor();
      EXPECT_ALLCLOSE(linear_forward(x, w, b), linear_forward(to_cuda(x), to_cuda(w), bias ? to_cuda(b) : Tensor()),
                      1e-4, 1e-4)
          << c.N << "x" << c.IN << "->" << c.OUT;
      const Tensor dy = random_tensor({c.N, c.OUT}, seed++);
      EXPECT_ALLCLOSE(linear_backward_data(dy, w), linear_backward_data(to_cuda(dy), to_cuda(w)), 1e-4, 1e-4);
      Tensor dw = Tensor::full({c.OUT, c.IN}, 0.5f), db = Tensor::full({c.OUT}, -1.0f);
      Tensor dw_cuda = to_cuda(dw), db_cuda = to_cuda(db);
      linear_backward_weights(dw, bias ? &db : nullptr, x, dy);
      linear_backward_weights(dw_cuda, bias ? &db_cuda : nullptr, to_cuda(x), to_cuda(dy));
      EXPECT_ALLCLOSE(dw, dw_cuda, 1e-4, 1e-4) << c.N << "x" << c.IN << "->" << c.OUT;
      EXPECT_ALLCLOSE(db, db_cuda, 1e-4, 1e-4);
    }
  }
}

}  // namespace
}  // namespace revive::kernels
