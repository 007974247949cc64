// The caching free list both process-wide allocators are built on (core/allocator.cpp for the
// host, kernels/cuda/allocator.cpp for the device): freed blocks are kept in free lists keyed by
// block size and handed out again, so a training loop, which asks for the same sizes every
// iteration, stops reaching the system allocator after its first steps (n_system_allocs stops
// growing). When the system is out of memory, every cached block is released and the request
// tried once more before the out-of-memory error.
//
// A subclass may forbid system calls for a while (the device allocator does during a CUDA Graph
// capture, where a cudaMalloc or cudaFree would break the capture): requests are then served from
// the free lists only, a miss throws (throw_cache_miss) instead of reaching the system, and
// release_cache keeps every block.
//
// A subclass says how requests round to block sizes and how blocks come from and go back to the
// system; the bookkeeping and the locking are here.
#pragma once

#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/allocator.h"

namespace revive {

class CachingAllocator : public Allocator {
 public:
  void* allocate(size_t bytes) final;
  void deallocate(void* p, size_t bytes) final;
  void release_cache() final;
  AllocatorStats stats() const final;

 protected:
  // A subclass that is ever destroyed calls release_cache() in its destructor: system_free is
  // virtual, so the base cannot.
  ~CachingAllocator() override = default;

  // The size of the block that serves a request of `bytes` (0 included); deallocate gets the
  // requested size back and must find the same block size.
  virtual size_t block_size(size_t bytes) const = 0;
  // A new block of `size` bytes, or nullptr when the system is out of memory (other failures throw).
  virtual void* system_allocate(size_t size) = 0;
  virtual void system_free(void* p) = 0;
  // Throws revive::Error once the retry after releasing the cache has failed too.
  [[noreturn]] virtual void throw_out_of_memory(size_t requested, size_t size, const AllocatorStats& stats) const = 0;
  // Whether system_allocate and system_free may be called now.
  virtual bool system_calls_allowed() const { return true; }
  // Throws revive::Error for a request the free lists cannot serve while system calls are forbidden.
  [[noreturn]] virtual void throw_cache_miss(size_t requested, size_t size) const;

 private:
  void release_locked();

  mutable std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
};

}  // namespace revive
