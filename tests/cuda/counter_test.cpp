// counter_increment on CUDA against the CPU.
#include "kernels/counter.h"

#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"

namespace revive::kernels {
namespace {

TEST(CudaCounter, IncrementsWhereTheCounterLives) {
  REVIVE_SKIP_WITHOUT_CUDA();
  Tensor cpu = Tensor::from_vector(std::vector<int64_t>{41}, {});
  Tensor cuda = testing::to_cuda(cpu);
  for (int i = 0; i < 3; ++i) {
    counter_increment(cpu);
    counter_increment(cuda);
  }
  EXPECT_EQ(cuda.to_vector<int64_t>(), std::vector<int64_t>{44});
  EXPECT_EQ(cpu.to_vector<int64_t>(), cuda.to_vector<int64_t>());
}

}  // namespace
}  // namespace revive::kernels
