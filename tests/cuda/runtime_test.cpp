// The CUDA runtime under the ops: host <-> device copies of every dtype, device fills, the caching
// allocator (blocks reused, out of memory reported clearly), the version report, and no error left
// pending by the calls whose failure the runtime tolerates (it would be blamed on the next kernel).
#include <gtest/gtest.h>

#ifdef REVIVE_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

#include "core/allocator.h"
#include "cuda/cuda_test_util.h"
#include "kernels/device_runtime.h"

namespace revive {
namespace {

using testing::to_cuda;

template <class T>
void expect_round_trip(const std::vector<T>& v) {
  const Tensor host = Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
  const Tensor dev = to_cuda(host);
  EXPECT_TRUE(dev.device().is_cuda());
  const Tensor copy = dev.clone();  // device to device
  EXPECT_EQ(copy.to(Device::cpu()).to_vector<T>(), v);
  EXPECT_EQ(dev.to_vector<T>(), v);  // device to host directly
}

TEST(CudaRuntime, CopiesRoundTripEveryDtype) {
  REVIVE_SKIP_WITHOUT_CUDA();
  for (size_t n : {0, 1, 257}) {
    std::vector<float> f(n);
    std::vector<int32_t> i(n);
    std::vector<int64_t> l(n);
    for (size_t k = 0; k < n; ++k) {
      f[k] = 0.5f * static_cast<float>(k) - 3.0f;
      i[k] = static_cast<int32_t>(k) - 100;
      l[k] = (int64_t{1} << 40) + static_cast<int64_t>(k);
    }
    expect_round_trip(f);
    expect_round_trip(i);
    expect_round_trip(l);
  }
}

TEST(CudaRuntime, FillsAndZeroesOnTheDevice) {
  REVIVE_SKIP_WITHOUT_CUDA();
  EXPECT_EQ(Tensor::full({3, 5}, 2.5f, Device::cuda()).to_vector<float>(), std::vector<float>(15, 2.5f));
  EXPECT_EQ(Tensor::zeros({300}, DType::kInt64, Device::cuda()).to_vector<int64_t>(), std::vector<int64_t>(300, 0));
  Tensor t = Tensor::empty({7}, DType::kInt32, Device::cuda());
  t.fill_(-4.0f);
  EXPECT_EQ(t.to_vector<int32_t>(), std::vector<int32_t>(7, -4));
  t.zero_();
  EXPECT_EQ(t.to_vector<int32_t>(), std::vector<int32_t>(7, 0));
}

TEST(CudaRuntime, CachingAllocatorReusesFreedBlocks) {
  REVIVE_SKIP_WITHOUT_CUDA();
  Allocator& a = allocator_for(Device::cuda());
  { Tensor warm = Tensor::empty({1 << 20}, DType::kFloat32, Device::cuda()); }
  const AllocatorStats before = a.stats();
  for (int i = 0; i < 10; ++i) {
    // The same size, and one a little smaller that rounds into the same bin.
    Tensor t = Tensor::empty({1 << 20}, DType::kFloat32, Device::cuda());
    Tensor u = Tensor::empty({(1 << 20) - 1000}, DType::kFloat32, Device::cuda());
  }
  const AllocatorStats after = a.stats();
  EXPECT_LE(after.n_system_allocs, before.n_system_allocs + 1);  // at most one block for the second tensor
  EXPECT_EQ(after.bytes_in_use, before.bytes_in_use);
}

TEST(CudaRuntime, OutOfMemoryIsAClearErrorAndLeavesTheDeviceUsable) {
  REVIVE_SKIP_WITHOUT_CUDA();
  try {
    Tensor huge = Tensor::empty({int64_t{1} << 42}, DType::kFloat32, Device::cuda());  // 16 TiB
    FAIL() << "expected an out-of-memory error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA out of memory"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Tensor::full({4}, 1.0f, Device::cuda()).to_vector<float>(), std::vector<float>(4, 1.0f));
}

TEST(CudaRuntime, ReportNamesTheDevice) {
  REVIVE_SKIP_WITHOUT_CUDA();
  bool found = false;
  for (const std::string& line : kernels::cuda_report()) found |= line.rfind("cuda:0 ", 0) == 0;
  EXPECT_TRUE(found);
  EXPECT_EQ(kernels::default_device_name(), "cuda");
  kernels::synchronize(Device::cuda());
}

// cuda_report queries the driver and the devices, and an out-of-memory error reads cudaMemGetInfo:
// none of them may leave the thread's last error set. (Without a driver there is nothing to check:
// the runtime's failed initialisation is every call's error, cudaGetLastError's included.)
TEST(CudaRuntime, ToleratedFailuresLeaveNoPendingError) {
  REVIVE_SKIP_WITHOUT_CUDA();
#ifdef REVIVE_WITH_CUDA
  (void)kernels::cuda_report();
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  EXPECT_THROW((void)Tensor::empty({int64_t{1} << 42}, DType::kFloat32, Device::cuda()), Error);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
#endif
}

}  // namespace
}  // namespace revive
