// The caching device allocator. cudaMalloc and cudaFree are slow (cudaFree synchronises the whole
// device), and a training step asks for the same sizes every iteration, so freed blocks are kept
// in free lists keyed by size bin and handed out again: after the first steps a training loop
// reaches cudaMalloc no more (AllocatorStats::n_system_allocs stops growing), which is also what
// lets a step be captured in a CUDA Graph.
//
// Bins: requests round up to 512 bytes, then to one of four steps per power of two (1, 1.25,
// 1.5, 1.75 x 2^k), so a block serves requests up to 25% smaller and the waste is bounded.
//
// Stream safety: all device work runs on one stream (runtime.h), so a block freed on the host
// while a queued kernel still reads it can be handed to the next allocation at once: whatever
// uses it next is queued behind that kernel. (The batch uploader's copy stream only writes
// buffers it owns; batch_upload.cpp.)
//
// Out of memory: a failed cudaMalloc releases every cached block and tries once more; a second
// failure is a revive::Error with the sizes involved.
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "kernels/cuda/runtime.h"

namespace revive::kernels::cuda {
namespace {

constexpr size_t kMinBlock = 512;

size_t bin_size(size_t bytes) {
  if (bytes <= kMinBlock) return kMinBlock;
  size_t top = kMinBlock;
  while (top < bytes) top <<= 1;  // the power of two at or above bytes
  const size_t step = top / 8;    // quarter steps of the power of two below
  return (bytes + step - 1) / step * step;
}

std::string mib(size_t bytes) {
  std::ostringstream os;
  os.precision(1);
  os << std::fixed << static_cast<double>(bytes) / (1u << 20) << " MiB";
  return os.str();
}

class CachingDeviceAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    const size_t size = bin_size(bytes);
    std::lock_guard<std::mutex> lock(mu_);
    void* p = nullptr;
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
      stats_.bytes_cached -= size;
    } else {
      p = system_allocate(size, bytes);
    }
    stats_.bytes_in_use += size;
    if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
    return p;
  }

  void deallocate(void* p, size_t bytes) override {
    if (p == nullptr) return;
    const size_t size = bin_size(bytes);
    std::lock_guard<std::mutex> lock(mu_);
    free_[size].push_back(p);
    stats_.bytes_in_use -= size;
    stats_.bytes_cached += size;
  }

  void release_cache() override {
    std::lock_guard<std::mutex> lock(mu_);
    release_locked();
  }

  AllocatorStats stats() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

 private:
  void* system_allocate(size_t size, size_t requested) {
    stream();  // binds this thread to the process's device
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, size);
    if (e == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();  // clear it, so the next launch check does not report it
      release_locked();
      e = cudaMalloc(&p, size);
    }
    if (e == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      size_t free_bytes = 0, total_bytes = 0;
      (void)cudaMemGetInfo(&free_bytes, &total_bytes);
      REVIVE_THROW("CUDA out of memory: could not allocate " << mib(requested) << " (" << mib(size)
                                                             << " with rounding); revive holds "
                                                             << mib(stats_.bytes_in_use)
                                                             << " in live tensors, and the device has "
                                                             << mib(free_bytes) << " free of " << mib(total_bytes)
                                                             << ". Lower the batch size or use a smaller model");
    }
    REVIVE_CUDA_CHECK(e);
    ++stats_.n_system_allocs;
    return p;
  }

  void release_locked() {
    for (auto& [size, blocks] : free_) {
      for (void* p : blocks) REVIVE_CUDA_CHECK_PRINT(cudaFree(p));  // cudaFree waits for the device
      blocks.clear();
    }
    free_.clear();
    stats_.bytes_cached = 0;
  }

  mutable std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
};

}  // namespace

Allocator& device_allocator() {
  // Never destroyed: tensors owned by static objects are freed after main returns.
  static auto* a = new CachingDeviceAllocator();
  return *a;
}

}  // namespace revive::kernels::cuda
