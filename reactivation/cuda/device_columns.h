// A workspace's tables sent to the device in one copy: each add() appends a column (an array, or
// one field of every row of a host table) to one host buffer and notes the device pointer it is
// for; upload() takes one device array for all of them, copies the buffer once and sets every noted
// pointer. Host code; needs no nvcc.
#pragma once

#include <algorithm>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "reactivation/cuda/device_arrays.h"

namespace revive::reactivation_cuda {

class DeviceColumns {
 public:
  // After upload(), *target points at the device copy of `values`.
  template <class T>
  void add(const T** target, const std::vector<T>& values) {
    const size_t offset = (host_.size() + kAlign - 1) / kAlign * kAlign;
    host_.resize(offset + std::max<size_t>(values.size(), 1) * sizeof(T));  // an empty column has an address too
    if (!values.empty()) std::memcpy(host_.data() + offset, values.data(), values.size() * sizeof(T));
    targets_.emplace_back(offset, [target](unsigned char* at) { *target = reinterpret_cast<const T*>(at); });
  }
  // After upload(), *target points at the device copy of column(row) for every row of `rows`.
  template <class T, class Row, class Column>
  void add(const T** target, const std::vector<Row>& rows, Column column) {
    std::vector<T> values;
    values.reserve(rows.size());
    for (const Row& row : rows) values.push_back(static_cast<T>(column(row)));
    add(target, values);
  }

  // One array from `arrays`, one copy on `stream`, which is synchronised before this returns (so
  // the host buffer may go with this object).
  void upload(DeviceArrays& arrays, cudaStream_t stream) {
    unsigned char* device = arrays.allocate<unsigned char>(host_.size());
    if (!host_.empty())
      REVIVE_CUDA_CHECK(cudaMemcpyAsync(device, host_.data(), host_.size(), cudaMemcpyHostToDevice, stream));
    REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream));
    for (const auto& [offset, set] : targets_) set(device + offset);
  }

 private:
  // Every column starts on this boundary (the array's own start, from the caching allocator, is
  // aligned for any type).
  static constexpr size_t kAlign = 16;
  std::vector<unsigned char> host_;
  std::vector<std::pair<size_t, std::function<void(unsigned char*)>>> targets_;
};

}  // namespace revive::reactivation_cuda
