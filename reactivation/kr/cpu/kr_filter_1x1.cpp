#include "reactivation/kr/cpu/kr_filter_1x1.h"

#include <cmath>
#include <cstring>

#include "kernels/cpu/avx512/cpu_features.h"
#include "reactivation/kr/cpu/avx512/kr_1x1_passes.h"
#include "reactivation/kr/kr_math.h"
#include "reactivation/order_keys.h"
#include "reactivation/select_keys.h"

namespace revive {
namespace {

// The portable passes, as kr_avx512's (kr_1x1_passes.h says what each does), four kernels at a
// time in GCC vector extensions (SSE on x86-64, NEON elsewhere), then the rest one by one. Keys
// are below 2^31, so signed compares order them (SSE2 has no unsigned ones).
using F4 = float __attribute__((vector_size(16)));
using I4 = int32_t __attribute__((vector_size(16)));

constexpr int32_t kNanKey = static_cast<int32_t>(kNanMagnitudeKey);

// magnitude_key of four weights: the bits of |w| (kr_kernel_l1 of one weight), NaNs as one.
I4 keys4(const float* w) {
  I4 bits;
  std::memcpy(&bits, w, sizeof bits);
  bits &= 0x7fffffff;
  return bits < kNanKey ? bits : I4{} + kNanKey;
}

// Per lane the largest key and its first index, then the first of the lanes' largest.
int32_t keys_and_best(const float* w, int32_t n, uint32_t* work) {
  I4 max_key = I4{} - 1, max_at{};
  int32_t c = 0;
  for (; c + 4 <= n; c += 4) {
    const I4 key = keys4(w + c);
    std::memcpy(work + c, &key, sizeof key);
    const I4 more = key > max_key;
    max_key = more ? key : max_key;
    max_at = more ? I4{0, 1, 2, 3} + c : max_at;
  }
  int32_t best_key = -1, best = n;
  for (int i = 0; i < 4; ++i)
    if (max_key[i] > best_key || (max_key[i] == best_key && max_at[i] < best)) {
      best_key = max_key[i];
      best = max_at[i];
    }
  for (; c < n; ++c) {
    work[c] = magnitude_key(w[c]);
    if (static_cast<int32_t>(work[c]) > best_key) {
      best_key = static_cast<int32_t>(work[c]);
      best = c;
    }
  }
  return best;
}

int32_t count_key(const float* w, int32_t n, uint32_t key) {
  I4 equal{};
  int32_t c = 0;
  for (; c + 4 <= n; c += 4) equal -= keys4(w + c) == static_cast<int32_t>(key);
  int32_t count = equal[0] + equal[1] + equal[2] + equal[3];
  for (; c < n; ++c) count += magnitude_key(w[c]) == key;
  return count;
}

// kr_rescale_kernel's arithmetic and statuses (kr_rescale_factor), branch-free: which kernels are
// selected is unpredictable.
void rescale(float* w, int32_t n, int32_t best, uint32_t threshold, int32_t cutoff, float best_l1, bool best_ok,
             int64_t* counts) {
  const int32_t t = static_cast<int32_t>(threshold);
  const I4 best_ok4 = I4{} - static_cast<int32_t>(best_ok);
  I4 rescaled{}, zero_norm{}, non_finite{};
  int32_t c = 0;
  for (; c + 4 <= n; c += 4) {
    F4 x;
    std::memcpy(&x, w + c, sizeof x);
    const I4 key = keys4(w + c);
    const F4 k = reinterpret_cast<F4>(reinterpret_cast<I4>(x) & 0x7fffffff);
    const I4 index = I4{0, 1, 2, 3} + c;
    const I4 in = (index != best) & ((key < t) | ((key == t) & (index < cutoff)));
    const F4 r = best_l1 / k;
    const I4 zero = k == 0.0f;
    const I4 ok = ((reinterpret_cast<I4>(r) & 0x7f800000) != 0x7f800000) & best_ok4 & ~zero;
    x = (in & ok) != 0 ? x * r : x;
    std::memcpy(w + c, &x, sizeof x);
    rescaled -= in & ok;
    zero_norm -= in & zero;
    non_finite -= in & ~zero & ~ok;
  }
  for (int i = 0; i < 4; ++i) {
    counts[0] += rescaled[i];
    counts[1] += zero_norm[i];
    counts[2] += non_finite[i];
  }
  for (; c < n; ++c) {
    const uint32_t key = magnitude_key(w[c]);
    const bool in = c != best && (key < threshold || (key == threshold && c < cutoff));
    if (in) kr_rescale_kernel(w + c, 1, best_l1, std::fabs(w[c]), counts);
  }
}

}  // namespace

void kr_reactivate_1x1(float* w, int32_t n_kernels, int32_t n_invalid, uint32_t* work, int64_t* rescale_counts,
                       Kr1x1Isa isa) {
  const bool avx512 = isa == Kr1x1Isa::kBest && kernels::cpu::avx512::cpu_has_avx512();
  const int32_t best = avx512 ? kr_avx512::keys_and_best(w, n_kernels, work) : keys_and_best(w, n_kernels, work);
  const uint32_t best_key = work[best];
  // The others' keys: the last in the best one's place (select_rank's answer does not depend on
  // the keys' order). The first n_invalid of the others in the stable order: keys below the
  // threshold, and the first equal_before + 1 equal to it.
  work[best] = work[n_kernels - 1];
  const SelectRank rank =
      select_rank(work, n_kernels - 1, n_invalid - 1, avx512 ? SelectIsa::kBest : SelectIsa::kPortable);
  const float best_l1 = std::fabs(w[best]);
  const bool best_ok = best_l1 <= kKrMaxBestL1;
  if (avx512) {
    kr_avx512::rescale(w, n_kernels, best, rank.threshold, static_cast<int32_t>(rank.equal_before + 1), best_l1,
                       best_ok, rescale_counts);
    return;
  }
  // Those ties end before `cutoff`. The threshold is mostly one kernel's alone: then no scan for
  // the cutoff is needed.
  const int32_t n_equal = count_key(w, n_kernels, rank.threshold) - (best_key == rank.threshold);
  int32_t cutoff = n_kernels;
  if (n_equal > rank.equal_before + 1) {
    cutoff = 0;
    for (int64_t ties = rank.equal_before + 1; ties > 0; ++cutoff)
      ties -= cutoff != best && magnitude_key(w[cutoff]) == rank.threshold;
  }
  rescale(w, n_kernels, best, rank.threshold, cutoff, best_l1, best_ok, rescale_counts);
}

}  // namespace revive
