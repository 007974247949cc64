// CachingAllocator, the free lists of both the host and the device allocator, over a fake system
// allocator that can run out of memory on demand: blocks are reused by block size, the statistics
// add up, an out-of-memory system releases the cache and retries once before the error, and while
// system calls are forbidden (the device allocator during a CUDA Graph capture) only cached blocks
// are handed out and none is freed.
#include "core/caching_allocator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "core/error.h"

namespace revive {
namespace {

class FakeAllocator final : public CachingAllocator {
 public:
  ~FakeAllocator() override { release_cache(); }

  size_t capacity = 1 << 20;  // system bytes available
  size_t system_bytes = 0;    // system bytes handed out
  int n_frees = 0;
  bool allow_system = true;

 private:
  // Round up to 100 bytes, so that differing requests share a block.
  size_t block_size(size_t bytes) const override { return (bytes + 99) / 100 * 100 + (bytes == 0 ? 100 : 0); }
  void* system_allocate(size_t size) override {
    if (system_bytes + size > capacity) return nullptr;
    system_bytes += size;
    void* p = std::malloc(size);
    sizes_[p] = size;
    return p;
  }
  void system_free(void* p) override {
    ++n_frees;
    system_bytes -= sizes_.at(p);
    sizes_.erase(p);
    std::free(p);
  }
  bool system_calls_allowed() const override { return allow_system; }
  std::map<void*, size_t> sizes_;
  [[noreturn]] void throw_out_of_memory(size_t requested, size_t size, const AllocatorStats&) const override {
    REVIVE_THROW("fake out of memory: " << requested << " (" << size << ")");
  }
};

TEST(CachingAllocator, ReusesABlockOfTheSameBlockSize) {
  FakeAllocator a;
  void* p = a.allocate(150);
  a.deallocate(p, 150);
  EXPECT_EQ(a.stats().bytes_cached, 200u);
  EXPECT_EQ(a.allocate(170), p) << "170 rounds to the same 200-byte block";
  EXPECT_EQ(a.stats().n_system_allocs, 1u);
  EXPECT_EQ(a.stats().bytes_cached, 0u);
  void* q = a.allocate(250);
  EXPECT_NE(q, p);
  EXPECT_EQ(a.stats().n_system_allocs, 2u);
  a.deallocate(p, 170);
  a.deallocate(q, 250);
}

TEST(CachingAllocator, StatsAddUp) {
  FakeAllocator a;
  void* p = a.allocate(0);
  void* q = a.allocate(301);
  EXPECT_EQ(a.stats().bytes_in_use, 100u + 400u);
  a.deallocate(q, 301);
  EXPECT_EQ(a.stats().bytes_in_use, 100u);
  EXPECT_EQ(a.stats().bytes_cached, 400u);
  EXPECT_EQ(a.stats().peak_bytes_in_use, 500u);
  a.deallocate(nullptr, 10);
  a.release_cache();
  EXPECT_EQ(a.stats().bytes_cached, 0u);
  EXPECT_EQ(a.n_frees, 1);
  a.deallocate(p, 0);
}

TEST(CachingAllocator, OutOfMemoryReleasesTheCacheAndRetries) {
  FakeAllocator a;
  a.capacity = 1000;
  void* p = a.allocate(600);
  a.deallocate(p, 600);       // cached: still held from the system
  void* q = a.allocate(700);  // fails, releases the 600, then fits
  EXPECT_EQ(a.n_frees, 1);
  EXPECT_EQ(a.stats().bytes_cached, 0u);
  EXPECT_EQ(a.stats().bytes_in_use, 700u);
  EXPECT_THROW(a.allocate(900), Error) << "700 in use, 900 does not fit even with the cache empty";
  a.deallocate(q, 700);
}

TEST(CachingAllocator, WithoutSystemCallsServesOnlyCachedBlocksAndFreesNone) {
  FakeAllocator a;
  void* p = a.allocate(150);
  void* q = a.allocate(550);
  a.deallocate(p, 150);
  a.deallocate(q, 550);
  a.allow_system = false;
  EXPECT_EQ(a.allocate(120), p) << "a hit is served";
  try {
    (void)a.allocate(1000);
    FAIL() << "a miss must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no cached block of 1000 bytes"), std::string::npos) << e.what();
  }
  EXPECT_EQ(a.stats().n_system_allocs, 2u);
  EXPECT_EQ(a.stats().bytes_in_use, 200u) << "the failed request left the statistics alone";
  a.release_cache();
  EXPECT_EQ(a.n_frees, 0);
  EXPECT_EQ(a.stats().bytes_cached, 600u);
  a.allow_system = true;
  a.deallocate(p, 120);
  a.release_cache();
  EXPECT_EQ(a.n_frees, 2);
}

}  // namespace
}  // namespace revive
