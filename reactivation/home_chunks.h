// Work split for passes over data that the previous step left in the threads' own caches.
//
// The SGD step writes the parameter arena with OpenMP's static split, so thread t's share sits in
// its core's caches afterwards. A pass over the arena that hands out chunks dynamically (needed
// where cores run unevenly, as a VM's virtual CPUs do: a static split leaves the first thread to
// finish waiting) makes each thread read half of its chunks from another core's caches, which made
// the filter-norm pass markedly slower than a static split (BM_we_step_cpu; benchmarks/RESULTS.md).
// Here each thread first takes the chunks of its home range in order, then helps the others with
// theirs, from the front, as the owner does: locality of the static split, balance of the dynamic.
#pragma once

#include <omp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/error.h"

namespace revive {

// The home ranges of `n_threads` threads over chunks [0, n_chunks) when chunk c starts at
// element position start(c) (nondecreasing) of [0, n_elements): thread t's range holds the chunks
// that start inside its part [t n / T, (t+1) n / T) of OpenMP's static split of the elements.
// Returns n_threads + 1 boundaries, from 0 to n_chunks.
template <class Start>
std::vector<int64_t> home_ranges(int64_t n_chunks, int64_t n_elements, int n_threads, const Start& start) {
  std::vector<int64_t> begin(static_cast<size_t>(n_threads) + 1, n_chunks);
  begin[0] = 0;
  int64_t c = 0;
  for (int t = 1; t < n_threads; ++t) {
    const int64_t from = n_elements * t / n_threads;
    while (c < n_chunks && start(c) < from) ++c;
    begin[static_cast<size_t>(t)] = c;
  }
  return begin;
}

// Runs body(chunk, thread) once for every chunk of [home.front(), home.back()) in a parallel
// region of home.size() - 1 threads. Every chunk runs exactly once even when the region gets fewer
// threads (nested inside another one): the threads that run also drain the ranges of those that
// do not. `thread` is omp_get_thread_num(), below home.size() - 1.
template <class Body>
void for_chunks_from_home(const std::vector<int64_t>& home, const Body& body) {
  REVIVE_CHECK(home.size() >= 2, "for_chunks_from_home needs at least one home range");
  const int n_ranges = static_cast<int>(home.size()) - 1;
  struct alignas(64) Next {
    std::atomic<int64_t> chunk;
  };
  const std::unique_ptr<Next[]> next(new Next[static_cast<size_t>(n_ranges)]);
  for (int r = 0; r < n_ranges; ++r) next[r].chunk.store(home[static_cast<size_t>(r)], std::memory_order_relaxed);
#pragma omp parallel num_threads(n_ranges)
  {
    const int t = omp_get_thread_num();
    for (int i = 0; i < n_ranges; ++i) {
      const int r = (t + i) % n_ranges;
      const int64_t end = home[static_cast<size_t>(r) + 1];
      for (int64_t c = next[r].chunk.fetch_add(1, std::memory_order_relaxed); c < end;
           c = next[r].chunk.fetch_add(1, std::memory_order_relaxed))
        body(c, t);
    }
  }
}

}  // namespace revive
