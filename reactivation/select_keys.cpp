// The radix selections of reactivation/select_keys.h. Both work on integer keys (order_keys.h), so
// they need no comparisons of floats and give the stable order whatever the thread split.
#include "reactivation/select_keys.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "kernels/cpu/avx512/cpu_features.h"
#include "reactivation/cpu/avx512/select_rank_avx512.h"

namespace revive {
namespace {

using U4 = uint32_t __attribute__((vector_size(16)));  // GCC vector extensions: SSE on x86-64
using I4 = int32_t __attribute__((vector_size(16)));

constexpr int kRadixBits = 8;
constexpr int kRadixBins = 1 << kRadixBits;
using RadixHistogram = std::array<std::array<uint32_t, kRadixBins>, 4>;

// Counts bin(v[i]) for i < n into hist[0..3][0, bins), cleared first. Consecutive entries go to
// four tables, so that increments of a crowded bin (one exponent, or a cluster of alike filters)
// do not form a dependency chain; a bin's count is the sum over the tables.
template <class T, class Bin>
void interleaved_histogram(const T* v, int64_t n, int bins, const Bin& bin, RadixHistogram& hist) {
  for (auto& h : hist) std::fill(h.begin(), h.begin() + bins, 0u);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int u = 0; u < 4; ++u) ++hist[static_cast<size_t>(u)][static_cast<size_t>(bin(v[i + u]))];
  for (; i < n; ++i) ++hist[0][static_cast<size_t>(bin(v[i]))];
}

// True when a lane of a 16-byte vector of comparison results is set.
template <class V>
bool any_lane(const V& v) {
  static_assert(sizeof(V) == 16, "a 16-byte vector");
  uint64_t half[2];
  std::memcpy(half, &v, sizeof half);
  return (half[0] | half[1]) != 0;
}

// For loops whose entries mostly need no work: from j, blocks of kBlock entries for which
// hit(first index) is false are skipped; run(end) does the others and the rest past the last whole
// block, advancing j to end.
template <int kBlock, class Index, class Hit, class Run>
void skip_blocks_without_hits(Index& j, Index n, const Hit& hit, const Run& run) {
  while (j + kBlock <= n) {
    if (hit(j)) {
      run(j + kBlock);
    } else {
      j += kBlock;
    }
  }
  run(n);
}

// Moves the keys of v[0, n) whose digit (x >> shift) & mask is `bucket` to the front, in order;
// returns their count. Branch-free (the bucket test is unpredictable), which is slow per key as
// each store's address waits for the previous test; but one bucket of 256 holds few keys, so
// blocks of 16 without one are first skipped after a vectorised test (GCC vector extensions: SSE
// on x86-64, NEON elsewhere).
int64_t radix_keep_bucket(uint32_t* v, int64_t n, int shift, uint32_t bucket, uint32_t mask = kRadixBins - 1) {
  const auto in_bucket = [&](const uint32_t* p) {
    U4 x;
    std::memcpy(&x, p, sizeof x);
    return ((x >> shift) & mask) == bucket;
  };
  int64_t kept = 0, j = 0;
  const auto keep = [&](int64_t end) {
    for (; j < end; ++j) {
      const uint32_t x = v[j];
      v[kept] = x;  // kept <= j: in place
      kept += ((x >> shift) & mask) == bucket;
    }
  };
  skip_blocks_without_hits<16>(j, n, [&](int64_t at) {
    return any_lane(in_bucket(v + at) | in_bucket(v + at + 4) | in_bucket(v + at + 8) | in_bucket(v + at + 12));
  }, keep);
  return kept;
}

// The bits in which keys differ are those set in some and clear in others: set in the OR and
// clear in the AND (two vectorised reductions; SSE2 has no unsigned 32-bit min or max).
void or_and(const uint32_t* v, int64_t n, uint32_t& any, uint32_t& all) {
  uint32_t o = 0, a = UINT32_MAX;
  for (int64_t i = 0; i < n; ++i) {
    o |= v[i];
    a &= v[i];
  }
  any = o;
  all = a;
}

// The first digit of a radix select over keys whose OR and AND differ: the `bits` bits from the
// highest bit in which they differ down (the bits above it, common to all, are the prefix).
struct Digit {
  uint32_t prefix;
  int shift;
};
Digit first_digit(uint32_t any, uint32_t all, int bits) {
  const int top = 31 - __builtin_clz(any ^ all);
  return {top == 31 ? 0u : all & ~((uint32_t{2} << top) - 1), std::max(top + 1 - bits, 0)};
}

// The key at `rank` of n <= kFewToCount keys by counting, for each key, those below and equal to
// it: O(n^2) compares of few keys in branch-free loops that vectorise, where introselect on a few
// dozen keys mispredicts about one branch per comparison.
constexpr int64_t kFewToCount = 16;
SelectRank select_rank_by_counting(const uint32_t* keys, int64_t n, int64_t rank) {
  for (int64_t i = 0;; ++i) {
    const uint32_t key = keys[i];
    int32_t below = 0, equal = 0;
    for (int64_t j = 0; j < n; ++j) {
      below += keys[j] < key;
      equal += keys[j] == key;
    }
    if (below <= rank && rank < below + equal) return {key, rank - below};
  }
}

}  // namespace

SelectRank select_rank(uint32_t* keys, int64_t n, int64_t rank, SelectIsa isa) {
  if (isa == SelectIsa::kBest && n <= INT32_MAX && kernels::cpu::avx512::cpu_has_avx512())
    return select_avx512::select_rank(keys, n, rank);
  // A radix select as select_pool_thresholds', on one thread, until few keys are left, which are
  // then counted. Digits have at most 8 bits, and no more bins than keys; one histogram table, as
  // there are few keys to count.
  if (rank == 0) return {*std::min_element(keys, keys + n), 0};  // a vectorised minimum
  int bits = 4;
  while (bits < kRadixBits && (int64_t{1} << bits) < n) ++bits;
  const uint32_t mask = (uint32_t{1} << bits) - 1;
  Digit d{0, -1};
  uint32_t hist[kRadixBins];
  while (n > kFewToCount) {
    if (d.shift < 0) {
      uint32_t any, all;
      or_and(keys, n, any, all);
      if (any == all) return {all, rank};  // one value only
      d = first_digit(any, all, bits);
    }
    const int shift = d.shift;
    std::fill(hist, hist + mask + 1, 0u);
    for (int64_t i = 0; i < n; ++i) ++hist[(keys[i] >> shift) & mask];
    uint32_t bucket = 0;
    for (; hist[bucket] <= rank; ++bucket) rank -= hist[bucket];
    // A last digit that overlaps the previous one repeats bits every kept key shares (see
    // select_pool_thresholds).
    d.prefix |= bucket << shift;
    if (shift == 0) return {d.prefix, rank};
    n = radix_keep_bucket(keys, n, shift, bucket, mask);
    d.shift = std::max(shift - bits, 0);
  }
  return select_rank_by_counting(keys, n, rank);
}

void select_pool_thresholds(SelectPool* pools, int n_pools) {
  REVIVE_CHECK(n_pools >= 0 && n_pools <= kMaxSelectPools, "select_pool_thresholds: " << n_pools << " pools, at most "
                                                                   << kMaxSelectPools);
  int64_t total = 0;
  for (int k = 0; k < n_pools; ++k) {
    SelectPool& p = pools[k];
    REVIVE_CHECK(p.rank >= 0, "select_pool_thresholds: rank must be >= 0, got " << p.rank);
    total += p.n;
  }
  // Only the value of sorted_pool[k] matters, so a selection equals a stable sort (§0.2). Radix
  // select, most significant digit first: each pass histograms the entries that share the digits
  // chosen so far and keeps the bucket holding the rank; O(|pool|), no comparisons. The first
  // digit is the 8 bits from the highest bit in which the pool's keys differ (the bits above it
  // are common to all): a pool's importances span a few binades, so that digit splits them finely
  // and the bucket kept holds few entries, where the top byte (sign and 7 exponent bits) kept most
  // of them for a second full pass (radix_keep_bucket then skips most of the pool). Each pool is
  // split into one segment per thread; every thread histograms and compacts its own segments, and
  // after a barrier all threads read every histogram and pick the same buckets. Histograms
  // alternate between two sets by pass, so one barrier per pass suffices.
  const int max_threads = static_cast<int>(std::min<int64_t>(omp_get_max_threads(), total / 8192 + 1));
  std::vector<RadixHistogram> hist(static_cast<size_t>(2 * max_threads * n_pools));
  std::vector<int64_t> seg_begin(static_cast<size_t>(max_threads * n_pools));
  std::vector<int64_t> seg_size(seg_begin.size());
  std::vector<uint32_t> seg_or(seg_begin.size()), seg_and(seg_begin.size());
#pragma omp parallel num_threads(max_threads)
  {
    const int n_threads = omp_get_num_threads(), t = omp_get_thread_num();
    const auto at = [&](int thread, int k) { return static_cast<size_t>(thread * n_pools + k); };
    for (int k = 0; k < n_pools; ++k) {
      seg_begin[at(t, k)] = pools[k].n * t / n_threads;
      seg_size[at(t, k)] = pools[k].n * (t + 1) / n_threads - seg_begin[at(t, k)];
      or_and(pools[k].keys + seg_begin[at(t, k)], seg_size[at(t, k)], seg_or[at(t, k)], seg_and[at(t, k)]);
    }
#pragma omp barrier
    // Every thread tracks the same ranks, prefixes and digits.
    std::array<int64_t, kMaxSelectPools> rank{};
    std::array<uint32_t, kMaxSelectPools> prefix{};
    std::array<int, kMaxSelectPools> shift{};  // of the next digit; -1 once the pool is done
    bool any_left = false;
    for (int k = 0; k < n_pools; ++k) {
      rank[k] = pools[k].rank;
      shift[k] = -1;
      // k = |pool| is reachable with rate 1 (sorted_pool[k] would be out of range in the
      // reference code): the pool gets 2^32 below.
      if (rank[k] >= pools[k].n) continue;
      uint32_t any = 0, all = UINT32_MAX;  // empty segments leave both as they are
      for (int u = 0; u < n_threads; ++u) {
        any |= seg_or[at(u, k)];
        all &= seg_and[at(u, k)];
      }
      if (any == all) {  // one value only
        prefix[k] = all;
        continue;
      }
      const Digit d = first_digit(any, all, kRadixBits);
      prefix[k] = d.prefix;
      shift[k] = d.shift;
      any_left = true;
    }
    for (int pass = 0; any_left; ++pass) {
      for (int k = 0; k < n_pools; ++k) {
        if (shift[k] < 0) continue;
        const int s = shift[k];
        interleaved_histogram(
            pools[k].keys + seg_begin[at(t, k)], seg_size[at(t, k)], kRadixBins,
            [s](uint32_t x) { return (x >> s) & (kRadixBins - 1); },
            hist[(pass % 2) * n_threads * n_pools + at(t, k)]);
      }
#pragma omp barrier
      any_left = false;
      for (int k = 0; k < n_pools; ++k) {
        if (shift[k] < 0) continue;
        uint32_t bucket = 0;
        for (;; ++bucket) {
          int64_t count = 0;
          for (int u = 0; u < n_threads; ++u)
            for (const auto& h : hist[(pass % 2) * n_threads * n_pools + at(u, k)]) count += h[bucket];
          if (count > rank[k]) break;
          rank[k] -= count;
        }
        // A last digit that overlaps the previous one (the bits below the first digit are not a
        // multiple of 8) repeats bits every kept key shares: OR-ing them in again changes nothing.
        prefix[k] |= bucket << shift[k];
        if (shift[k] == 0) {
          shift[k] = -1;
          continue;
        }
        seg_size[at(t, k)] =
            radix_keep_bucket(pools[k].keys + seg_begin[at(t, k)], seg_size[at(t, k)], shift[k], bucket);
        shift[k] = std::max(shift[k] - kRadixBits, 0);
        any_left = true;
      }
    }
    if (t == 0) {
      for (int k = 0; k < n_pools; ++k) {
        const bool all = pools[k].rank >= pools[k].n;
        pools[k].threshold = all ? uint64_t{1} << 32 : uint64_t{prefix[k]};
        // What is left of the rank once the digits are chosen: the entries equal to the
        // threshold that come before position `rank` in the sorted pool.
        pools[k].equal_before = all ? 0 : rank[k];
      }
    }
  }
}

// Moves the k smallest of the unique keys[0, n) to keys[0, k), ascending (k <= n); clobbers the
// rest and spare[0, n). Introselect over a whole layer mispredicts about one branch per
// comparison. Instead, each round histograms the high halves (the magnitude part of an order key)
// by a digit of at most 8 bits, and one branch-free pass moves the keys of the bins below the one
// holding the k-th to the front (surely among the k smallest) and keeps that bin's keys for the
// next round. A layer's magnitudes cluster (live filters alike, dead ones alike), so a round or
// two leave few keys; introselect then runs on those alone. (The digit from the highest differing
// bit and the skipped blocks beat bins over the exact range of the high halves, which needs a
// minimum and maximum pass, in BM_we_match_cpu.)
void select_smallest_sorted(uint64_t* keys, int32_t n, int32_t k, uint64_t* spare) {
  if (k <= 0) return;
  constexpr int32_t kFew = 64;
  int32_t taken = 0;       // keys[0, taken) are among the k smallest
  uint64_t* rest = keys;   // the undecided keys: keys[0, n) first, then spare[0, n_rest)
  int32_t n_rest = n;
  RadixHistogram hist;
  while (n_rest > kFew + k - taken) {
    // The bins are a digit of the high halves: its top bit is the highest one in which they
    // differ (set in the OR of the keys, clear in their AND: reductions that vectorise).
    uint64_t any = 0, all = UINT64_MAX;
    for (int32_t j = 0; j < n_rest; ++j) {
      any |= rest[j];
      all &= rest[j];
    }
    const uint32_t differ = static_cast<uint32_t>(any >> 32) ^ static_cast<uint32_t>(all >> 32);
    if (differ == 0) break;  // only the index halves differ
    int bits = 4;
    while (bits < kRadixBits && (int32_t{1} << bits) < n_rest) ++bits;
    const int32_t bins = int32_t{1} << bits;
    const int shift = std::max(31 - __builtin_clz(differ) + 1 - bits, 0);
    const uint32_t mask = static_cast<uint32_t>(bins - 1);
    const auto bin = [&](uint64_t key) {
      return static_cast<int32_t>((static_cast<uint32_t>(key >> 32) >> shift) & mask);
    };
    interleaved_histogram(rest, n_rest, bins, bin, hist);
    const auto count = [&](int32_t b) {
      const auto at = static_cast<size_t>(b);
      return static_cast<int32_t>(hist[0][at] + hist[1][at] + hist[2][at] + hist[3][at]);
    };
    int32_t edge = 0, below = 0;
    while (taken + below + count(edge) < k) below += count(edge++);
    // Writes trail reads in both streams (taken <= j, kept <= j), so either may be in place. The
    // k smallest are few, so most blocks of 8 hold no key of a bin at or below the edge: a
    // vectorised test skips them (the high halves are the odd 32-bit lanes).
    int32_t kept = 0, j = 0;
    const auto split = [&](int32_t end) {
      for (; j < end; ++j) {
        const uint64_t x = rest[j];
        const int32_t b = bin(x);
        keys[taken] = x;
        taken += b < edge;
        spare[kept] = x;
        kept += b == edge;
      }
    };
    const auto at_or_below_edge = [&](const uint64_t* p) {
      U4 lo4, hi4;
      std::memcpy(&lo4, p, sizeof lo4);
      std::memcpy(&hi4, p + 2, sizeof hi4);
      const U4 high = __builtin_shuffle(lo4, hi4, U4{1, 3, 5, 7});
      return reinterpret_cast<I4>((high >> shift) & mask) <= edge;
    };
    skip_blocks_without_hits<8>(j, n_rest, [&](int32_t at) {
      return any_lane(at_or_below_edge(rest + at) | at_or_below_edge(rest + at + 4));
    }, split);
    rest = spare;
    n_rest = kept;
  }
  const int32_t wanted = k - taken;
  if (wanted < n_rest) std::nth_element(rest, rest + wanted, rest + n_rest);
  if (rest != keys) std::copy(rest, rest + wanted, keys + taken);
  std::sort(keys, keys + k);
}

}  // namespace revive
