// The CUDA backend as core sees it (core/device_backend.h): one object, registered by
// ensure_initialized(). Its copies, fills and accumulations go to the process device's stream
// (runtime.h stream()); streams and waits are those of the device asked about.
#include "core/device_backend.h"
#include "kernels/cuda/runtime.h"

namespace revive::kernels::cuda {
namespace {

class CudaBackend final : public DeviceBackend {
 public:
  Allocator& allocator() override { return device_allocator(); }
  void copy(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) override {
    copy_bytes(dst, dst_device, src, src_device, bytes);
  }
  void fill(Tensor& t, float value) override { cuda::fill(t, value); }
  void accumulate(Tensor& dst, const Tensor& src) override { cuda::accumulate(dst, src); }
  StreamHandle current_stream(Device d) override { return device_stream(d.index).handle(); }
  void synchronize(Device d) override { device_stream(d.index).synchronize(); }
};

}  // namespace

DeviceBackend& backend() {
  static auto* b = new CudaBackend();  // never destroyed, as the state it serves
  return *b;
}

}  // namespace revive::kernels::cuda
