// DeviceArrays: the device arrays of a workspace that lives as long as they do (a reactivation
// method's copy of its tables and its scratch), each a DeviceBuffer, allocated and uploaded once.
// Uploads are queued on the process stream from the caller's host vectors: synchronise the stream
// before those vectors die.
#pragma once

#include <algorithm>
#include <vector>

#include "kernels/cuda/device_buffer.h"

namespace revive::kernels::cuda {

class DeviceArrays {
 public:
  // n elements of T (at least one, so that no pointer is null), uninitialised.
  template <class T>
  T* allocate(size_t n) {
    buffers_.emplace_back(std::max<size_t>(n, 1) * sizeof(T));
    return buffers_.back().as<T>();
  }
  // A device copy of `values`.
  template <class T>
  const T* upload(const std::vector<T>& values) {
    T* d = allocate<T>(values.size());
    if (!values.empty())
      REVIVE_CUDA_CHECK(cudaMemcpyAsync(d, values.data(), values.size() * sizeof(T), cudaMemcpyHostToDevice, stream()));
    return d;
  }

 private:
  std::vector<DeviceBuffer> buffers_;
};

}  // namespace revive::kernels::cuda
