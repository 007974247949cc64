// Where a tensor lives. Every op dispatches on its inputs' device; the CUDA backend slots in
// behind the same entry points.
#pragma once

#include <string>

namespace revive {

enum class DeviceType { kCPU, kCUDA };

struct Device {
  DeviceType type = DeviceType::kCPU;
  int index = 0;

  static Device cpu() { return {DeviceType::kCPU, 0}; }
  static Device cuda(int i = 0) { return {DeviceType::kCUDA, i}; }
  bool is_cpu() const { return type == DeviceType::kCPU; }
  bool is_cuda() const { return type == DeviceType::kCUDA; }
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;
};

// Parses "cpu", "cuda", "cuda:1"; throws revive::Error otherwise.
Device parse_device(const std::string& s);

// True when this build has the CUDA backend and at least one device is present. The first call
// also initialises the backend (registers it with core, core/device_backend.h):
// call it before creating CUDA tensors. Defined by the kernels layer (kernels/cuda/runtime.cpp, or
// kernels/no_cuda/runtime.cpp in a CPU-only build), which is the layer that knows whether CUDA exists.
bool cuda_available();

}  // namespace revive
