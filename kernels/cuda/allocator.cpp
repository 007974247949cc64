// The caching device allocator: core/caching_allocator.h's free lists over cudaMalloc. cudaMalloc
// and cudaFree are slow (cudaFree synchronises the whole device); once a training loop reaches
// cudaMalloc no more (AllocatorStats::n_system_allocs stops growing) its step can also be captured
// in a CUDA Graph.
//
// Bins: requests round up to 512 bytes, then to one of four steps per power of two (1, 1.25,
// 1.5, 1.75 x 2^k), so a block serves requests up to 25% smaller and the waste is bounded.
//
// Stream safety: all device work runs on the process device's stream (runtime.h), so a block freed
// on the host while a queued kernel still reads it can be handed to the next allocation at once:
// whatever uses it next is queued behind that kernel. (The batch uploader's copy stream only writes
// buffers it owns; batch_upload.cpp. Code that passes another stream to an entry point keeps the
// blocks it uses alive until that stream has passed them.)
//
// Out of memory: a failed cudaMalloc releases every cached block and tries once more
// (CachingAllocator); a second failure is a revive::Error with the sizes involved.
//
// CUDA Graph capture (runtime.h CaptureScope): no cudaMalloc and no cudaFree while one is in
// progress. A cudaFree would end the capture, and a cudaMalloc, which a relaxed capture would let
// through, would put a block into the graph that the cache hands out again after it. Only cached
// blocks are served; a miss is an error that says to warm up (run the work eagerly first).
#include <sstream>

#include "core/caching_allocator.h"
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

class CachingDeviceAllocator final : public CachingAllocator {
 private:
  size_t block_size(size_t bytes) const override { return bin_size(bytes); }

  void* system_allocate(size_t size) override {
    stream();  // binds this thread to the process's device
    void* p = nullptr;
    const cudaError_t e = tolerate(cudaMalloc(&p, size));
    if (e == cudaErrorMemoryAllocation) return nullptr;
    REVIVE_CUDA_CHECK(e);
    return p;
  }

  void system_free(void* p) override { REVIVE_CUDA_CHECK_PRINT(cudaFree(p)); }  // cudaFree waits for the device

  [[noreturn]] void throw_out_of_memory(size_t requested, size_t size, const AllocatorStats& stats) const override {
    size_t free_bytes = 0, total_bytes = 0;
    (void)tolerate(cudaMemGetInfo(&free_bytes, &total_bytes));
    REVIVE_THROW("CUDA out of memory: could not allocate " << mib(requested) << " (" << mib(size)
                                                           << " with rounding); revive holds " << mib(stats.bytes_in_use)
                                                           << " in live tensors, and the device has " << mib(free_bytes)
                                                           << " free of " << mib(total_bytes)
                                                           << ". Lower the batch size or use a smaller model");
  }

  bool system_calls_allowed() const override { return !capture_in_progress(); }

  [[noreturn]] void throw_cache_miss(size_t requested, size_t size) const override {
    REVIVE_THROW("CUDA Graph capture asked for " << mib(requested) << " (" << mib(size)
                                                 << " with rounding) that the caching allocator does not hold free: "
                                                    "allocating during a capture would break it. Warm up first: run "
                                                    "the captured work eagerly once or twice before capturing, so "
                                                    "that every block it needs is cached");
  }
};

}  // namespace

Allocator& device_allocator() {
  // Never destroyed: tensors owned by static objects are freed after main returns.
  static auto* a = new CachingDeviceAllocator();
  return *a;
}

}  // namespace revive::kernels::cuda
