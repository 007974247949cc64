// DeviceBuffer: a move-only scratch block from the caching device allocator (tiny-cuda-nn's
// GPUMemory, made owning), for workspaces that are not tensors: cuDNN workspaces, partial sums.
// Freeing right after queuing the kernels that use it is safe: all work is on one stream, so the
// block's next user is queued behind them (allocator.cpp).
#pragma once

#include <cstddef>
#include <utility>

#include "kernels/cuda/runtime.h"

namespace revive::kernels::cuda {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
    if (bytes_ > 0) data_ = device_allocator().allocate(bytes_);
  }
  ~DeviceBuffer() {
    if (data_ != nullptr) device_allocator().deallocate(data_, bytes_);
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return data_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }
  size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace revive::kernels::cuda
