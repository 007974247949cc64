#include "core/device_backend.h"

#include <atomic>

#include "core/error.h"

namespace revive {
namespace {

std::atomic<DeviceBackend*> g_backend{nullptr};

}  // namespace

void register_device_backend(DeviceBackend* backend) {
  REVIVE_CHECK(backend != nullptr, "register_device_backend: null backend");
  DeviceBackend* expected = nullptr;
  if (!g_backend.compare_exchange_strong(expected, backend))
    REVIVE_CHECK(expected == backend, "a second device backend was registered; a process has one");
}

DeviceBackend& device_backend(Device d, const char* what) {
  REVIVE_CHECK(!d.is_cpu(), what << ": the CPU has no device backend");
  DeviceBackend* b = g_backend.load();
  REVIVE_CHECK(b != nullptr, what << " on " << d.str()
                                  << " needs the CUDA backend, which this build lacks or which was not initialised "
                                     "(revive::cuda_available() initialises it)");
  return *b;
}

}  // namespace revive
