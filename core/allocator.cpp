#include "core/allocator.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace revive {
namespace {

size_t round_up(size_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

// Activations of a batch are megabytes each and every op streams through several of them: on 4 KiB
// pages that is thousands of TLB entries per op. Blocks of 2 MiB or more are therefore aligned to
// 2 MiB and offered to the kernel as transparent huge pages (a hint; ignored where THP is off).
constexpr size_t kHugePage = size_t{2} << 20;

void* system_allocate(size_t size) {
  if (size < kHugePage) return std::aligned_alloc(kAlignment, size);
  void* p = nullptr;
  if (posix_memalign(&p, kHugePage, size) != 0) return nullptr;
  madvise(p, size, MADV_HUGEPAGE);  // the partial last huge page stays on small pages
  return p;
}

class CpuCachingAllocator final : public Allocator {
 public:
  ~CpuCachingAllocator() override { release_cache(); }

  void* allocate(size_t bytes) override {
    const size_t size = round_up(bytes == 0 ? 1 : bytes);
    std::lock_guard<std::mutex> lock(mu_);
    void* p = nullptr;
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
      stats_.bytes_cached -= size;
    } else {
      p = system_allocate(size);
      if (!p) {
        release_locked();
        p = system_allocate(size);
      }
      REVIVE_CHECK(p != nullptr, "out of host memory allocating " << size << " bytes");
      ++stats_.n_system_allocs;
    }
    stats_.bytes_in_use += size;
    if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
    return p;
  }

  void deallocate(void* p, size_t bytes) override {
    if (!p) return;
    const size_t size = round_up(bytes == 0 ? 1 : bytes);
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
  void release_locked() {
    for (auto& [size, blocks] : free_) {
      for (void* p : blocks) std::free(p);
      blocks.clear();
    }
    free_.clear();
    stats_.bytes_cached = 0;
  }

  mutable std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
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
