// Caching allocators. glibc maps and unmaps every large block on each malloc/free, which puts page
// faults into every training step; a cache of freed blocks keyed by block size
// (core/caching_allocator.h) removes them because a training loop asks for the same sizes every
// iteration.
#pragma once

#include <cstddef>

#include "core/device.h"

namespace revive {

struct AllocatorStats {
  size_t bytes_in_use = 0;   // handed out and not yet returned
  size_t bytes_cached = 0;   // returned and kept for reuse
  size_t peak_bytes_in_use = 0;
  size_t n_system_allocs = 0;  // calls that reached the system allocator
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* p, size_t bytes) = 0;
  // Returns every cached block to the system.
  virtual void release_cache() = 0;
  virtual AllocatorStats stats() const = 0;
};

// The process-wide allocator for a device: the host's, or the device backend's
// (core/device_backend.h).
Allocator& allocator_for(Device d);

// Blocks are aligned to this many bytes (a cache line, and enough for any SIMD load).
constexpr size_t kAlignment = 64;

}  // namespace revive
