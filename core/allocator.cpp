#include "core/allocator.h"

#include <sys/mman.h>

#include <cstdlib>

#include "core/caching_allocator.h"
#include "core/device_backend.h"
#include "core/error.h"

namespace revive {
namespace {

// Activations of a batch are megabytes each and every op streams through several of them: on 4 KiB
// pages that is thousands of TLB entries per op. Blocks of 2 MiB or more are therefore aligned to
// 2 MiB and offered to the kernel as transparent huge pages (a hint; ignored where THP is off).
// Training throughput rose with it (benchmarks/RESULTS.md, "Huge pages").
constexpr size_t kHugePage = size_t{2} << 20;

class CpuCachingAllocator final : public CachingAllocator {
 public:
  ~CpuCachingAllocator() override { release_cache(); }

 private:
  size_t block_size(size_t bytes) const override {
    const size_t b = bytes == 0 ? 1 : bytes;
    return (b + kAlignment - 1) / kAlignment * kAlignment;
  }
  void* system_allocate(size_t size) override {
    if (size < kHugePage) return std::aligned_alloc(kAlignment, size);
    void* p = nullptr;
    if (posix_memalign(&p, kHugePage, size) != 0) return nullptr;
    madvise(p, size, MADV_HUGEPAGE);  // the partial last huge page stays on small pages
    return p;
  }
  void system_free(void* p) override { std::free(p); }
  [[noreturn]] void throw_out_of_memory(size_t, size_t size, const AllocatorStats&) const override {
    REVIVE_THROW("out of host memory allocating " << size << " bytes");
  }
};

}  // namespace

Allocator& allocator_for(Device d) {
  if (d.is_cpu()) {
    // Never destroyed: tensors owned by static objects may be freed after main returns.
    static auto* cpu = new CpuCachingAllocator();
    return *cpu;
  }
  return device_backend(d, "allocating memory").allocator();
}

}  // namespace revive
