// core reaches a device only through the one registered DeviceBackend (core/device_backend.h):
// without one every device operation is a clear error; with one (a fake here that keeps "device"
// memory on the host and counts its calls) tensors are allocated, copied, filled and accumulated
// through it. This executable never initialises the CUDA backend, so the fake is the process's.
#include "core/device_backend.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/tensor.h"

namespace revive {
namespace {

class FakeBackend final : public DeviceBackend {
 public:
  int copies = 0, fills = 0, accumulates = 0, syncs = 0;

  Allocator& allocator() override { return allocator_for(Device::cpu()); }
  void copy(void* dst, Device, const void* src, Device, size_t bytes) override {
    ++copies;
    std::memcpy(dst, src, bytes);
  }
  void fill(Tensor& t, float value) override {
    ++fills;
    float* p = static_cast<float*>(t.raw_data());
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = value;
  }
  void accumulate(Tensor& dst, const Tensor& src) override {
    ++accumulates;
    float* d = static_cast<float*>(dst.raw_data());
    const float* s = static_cast<const float*>(src.raw_data());
    for (int64_t i = 0; i < dst.numel(); ++i) d[i] += s[i];
  }
  StreamHandle current_stream(Device) override { return StreamHandle{this}; }
  void synchronize(Device) override { ++syncs; }
};

TEST(DeviceBackend, EveryDeviceOperationGoesThroughTheRegisteredBackend) {
  const Device dev = Device::cuda(0);
  try {
    (void)Tensor::zeros({4}, DType::kFloat32, dev);
    FAIL() << "no backend is registered yet";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs the CUDA backend"), std::string::npos) << e.what();
  }

  static FakeBackend fake;  // outlives every tensor, as a registered backend must
  register_device_backend(&fake);
  register_device_backend(&fake);  // idempotent
  Tensor z = Tensor::zeros({4}, DType::kFloat32, dev);
  EXPECT_EQ(fake.fills, 1);
  const Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {4}).to(dev);
  EXPECT_EQ(fake.copies, 1);
  accumulate_(z, x);
  accumulate_(z, x);
  EXPECT_EQ(fake.accumulates, 2);
  EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{2, 4, 6, 8}));
  EXPECT_EQ(fake.copies, 2);
  EXPECT_EQ(device_backend(dev, "a test").current_stream(dev).native, &fake);

  FakeBackend other;
  EXPECT_THROW(register_device_backend(&other), Error);
  EXPECT_THROW((void)device_backend(Device::cpu(), "a test"), Error);
}

}  // namespace
}  // namespace revive
