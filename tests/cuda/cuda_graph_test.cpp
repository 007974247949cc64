// CUDA Graph capture and replay: the captured work runs once per replay, with the inputs' current
// values; work that synchronises with the host cannot be captured and says so.
#include "kernels/cuda_graph.h"

#include <gtest/gtest.h>

#include "core/autograd.h"
#include "cuda/cuda_test_util.h"
#include "kernels/device_runtime.h"

namespace revive::kernels {
namespace {

TEST(CudaGraph, ReplaysTheCapturedWork) {
  REVIVE_SKIP_WITHOUT_CUDA();
  Tensor acc = Tensor::zeros({1000}, DType::kFloat32, Device::cuda());
  const Tensor one = Tensor::full({1000}, 1.0f, Device::cuda());
  accumulate_(acc, one);  // outside the capture: warms the kernels and the allocator
  CudaGraph graph([&] { accumulate_(acc, one); });
  synchronize(Device::cuda());
  EXPECT_EQ(acc.to_vector<float>(), std::vector<float>(1000, 1.0f));  // capture records, it does not run
  for (int i = 0; i < 5; ++i) graph.replay();
  EXPECT_EQ(acc.to_vector<float>(), std::vector<float>(1000, 6.0f));
}

TEST(CudaGraph, HostSynchronisationInsideTheCaptureIsAnError) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const Tensor x = Tensor::full({4}, 1.0f, Device::cuda());
  EXPECT_THROW(CudaGraph([&] { (void)x.item(); }), Error);
  EXPECT_EQ(x.to_vector<float>(), std::vector<float>(4, 1.0f));  // the stream is usable again
}

}  // namespace
}  // namespace revive::kernels
