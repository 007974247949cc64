// The k-th smallest of a block's keys on CUDA: the radix select that the methods' pool and layer
// selections share (WE's global thresholds, §1.3; KR's C1 and C2 bounds, §3.2), as
// select_pool_thresholds does it on the CPU. Integer keys (reactivation/order_keys.h) and integer
// counts only, so the result does not depend on the order of the atomics.
#pragma once

#include <cstdint>

namespace revive::reactivation_cuda {

template <class Key>
struct BlockSelectStorage {
  unsigned hist[256];
  Key prefix;
  long long rank;
};

// The key at rank k (0 <= k < n) of the keys get(0), ..., get(n - 1) sorted ascending, returned
// to every thread. Most significant byte first: each pass histograms the keys that share the bytes
// chosen so far and keeps the bucket holding the rank (8 bytes, 8 passes for 64-bit keys). Every
// thread of the block calls it; `storage` is in shared memory.
template <class Key, class Get>
__device__ Key block_select(const Get& get, int32_t n, long long k, BlockSelectStorage<Key>& storage) {
  constexpr int kBits = 8 * static_cast<int>(sizeof(Key));
  Key prefix = 0;
  for (int shift = kBits - 8; shift >= 0; shift -= 8) {
    for (int b = threadIdx.x; b < 256; b += blockDim.x) storage.hist[b] = 0;
    __syncthreads();
    // The keys that share the bytes chosen so far.
    const Key high = shift == kBits - 8 ? Key{0} : static_cast<Key>(~Key{0} << (shift + 8));
    for (int32_t i = threadIdx.x; i < n; i += blockDim.x) {
      const Key key = get(i);
      if ((key & high) == prefix) atomicAdd(&storage.hist[static_cast<unsigned>(key >> shift) & 0xffu], 1u);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      unsigned bucket = 0;
      for (;; ++bucket) {
        if (static_cast<long long>(storage.hist[bucket]) > k) break;
        k -= storage.hist[bucket];
      }
      storage.prefix = prefix | static_cast<Key>(static_cast<Key>(bucket) << shift);
      storage.rank = k;
    }
    __syncthreads();
    prefix = storage.prefix;
    k = storage.rank;
  }
  return prefix;
}

}  // namespace revive::reactivation_cuda
