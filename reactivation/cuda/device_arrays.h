// The device arrays a method's workspace owns (its copy of the filter table, its scratch): blocks
// from the caching device allocator, freed with the workspace. Host code; needs no nvcc.
#pragma once

#include <algorithm>
#include <vector>

#include "kernels/cuda/device_buffer.h"

namespace revive::reactivation_cuda {

class DeviceArrays {
 public:
  // n elements (at least one, so that every array has an address), uninitialised.
  template <class T>
  T* allocate(size_t n) {
    buffers_.emplace_back(std::max<size_t>(n, 1) * sizeof(T));
    return buffers_.back().as<T>();
  }
  // A copy of `values`, queued on `stream`: the host vector must live until the stream reaches it.
  template <class T>
  const T* upload(const std::vector<T>& values, cudaStream_t stream) {
    T* d = allocate<T>(values.size());
    if (!values.empty())
      REVIVE_CUDA_CHECK(cudaMemcpyAsync(d, values.data(), values.size() * sizeof(T), cudaMemcpyHostToDevice, stream));
    return d;
  }

 private:
  std::vector<kernels::cuda::DeviceBuffer> buffers_;
};

}  // namespace revive::reactivation_cuda
