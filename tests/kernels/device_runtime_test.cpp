// Device selection as users meet it, on every machine: asking for a CUDA device that is not there
// (no GPU, a CPU-only build, or an index past the last GPU) is a clear revive::Error naming it,
// never a crash.
#include "kernels/device_runtime.h"

#include <gtest/gtest.h>

#include "core/tensor.h"
#include "kernels/batch_upload.h"

namespace revive::kernels {
namespace {

TEST(DeviceRuntime, AnAbsentCudaDeviceIsAClearError) {
  try {
    use_device(Device::cuda(99));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cuda:99"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(use_device(Device::cpu()));
  EXPECT_NO_THROW(synchronize(Device::cpu()));
}

TEST(DeviceRuntime, DefaultDeviceFollowsAvailability) {
  EXPECT_EQ(default_device_name(), cuda_available() ? "cuda" : "cpu");
  EXPECT_FALSE(cuda_report().empty());
}

TEST(DeviceRuntime, WithoutAGpuCudaTensorsAreRefused) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_THROW(Tensor::empty({4}, DType::kFloat32, Device::cuda()), Error);
  EXPECT_THROW(use_device(Device::cuda()), Error);
  EXPECT_THROW(make_batch_uploader(Device::cuda()), Error);
}

}  // namespace
}  // namespace revive::kernels
