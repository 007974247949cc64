#include "core/caching_allocator.h"

#include "core/error.h"

namespace revive {

void* CachingAllocator::allocate(size_t bytes) {
  const size_t size = block_size(bytes);
  std::lock_guard<std::mutex> lock(mu_);
  void* p = nullptr;
  auto it = free_.find(size);
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    stats_.bytes_cached -= size;
  } else {
    if (!system_calls_allowed()) throw_cache_miss(bytes, size);
    p = system_allocate(size);
    if (p == nullptr) {
      release_locked();
      p = system_allocate(size);
    }
    if (p == nullptr) throw_out_of_memory(bytes, size, stats_);
    ++stats_.n_system_allocs;
  }
  stats_.bytes_in_use += size;
  if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
  return p;
}

void CachingAllocator::deallocate(void* p, size_t bytes) {
  if (p == nullptr) return;
  const size_t size = block_size(bytes);
  std::lock_guard<std::mutex> lock(mu_);
  free_[size].push_back(p);
  stats_.bytes_in_use -= size;
  stats_.bytes_cached += size;
}

void CachingAllocator::release_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  release_locked();
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void CachingAllocator::throw_cache_miss(size_t requested, size_t size) const {
  REVIVE_THROW("no cached block of " << size << " bytes for a request of " << requested
                                     << " bytes, and the allocator may not ask the system for one now");
}

void CachingAllocator::release_locked() {
  if (!system_calls_allowed()) return;
  for (auto& [size, blocks] : free_) {
    for (void* p : blocks) system_free(p);
    blocks.clear();
  }
  free_.clear();
  stats_.bytes_cached = 0;
}

}  // namespace revive
