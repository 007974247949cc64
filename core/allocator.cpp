#include "core/allocator.h"

#include <cstdlib>

#include "core/caching_allocator.h"
#include "core/error.h"

namespace revive {
namespace {

class CpuCachingAllocator final : public CachingAllocator {
 public:
  ~CpuCachingAllocator() override { release_cache(); }

 private:
  size_t block_size(size_t bytes) const override {
    const size_t b = bytes == 0 ? 1 : bytes;
    return (b + kAlignment - 1) / kAlignment * kAlignment;
  }
  void* system_allocate(size_t size) override { return std::aligned_alloc(kAlignment, size); }
  void system_free(void* p) override { std::free(p); }
  [[noreturn]] void throw_out_of_memory(size_t, size_t size, const AllocatorStats&) const override {
    REVIVE_THROW("out of host memory allocating " << size << " bytes");
  }
};

Allocator* g_cuda_allocator = nullptr;

}  // namespace

Allocator& allocator_for(Device d) {
  if (d.is_cpu()) {
    // Never destroyed: tensors owned by static objects may be freed after main returns.
    static auto* cpu = new CpuCachingAllocator();
    return *cpu;
  }
  REVIVE_CHECK(g_cuda_allocator != nullptr,
               "device " << d.str() << " requested but the CUDA backend is not initialised: this build has none, "
                         "or revive::cuda_available() was not called first");
  return *g_cuda_allocator;
}

void register_cuda_allocator(Allocator* a) { g_cuda_allocator = a; }

}  // namespace revive
