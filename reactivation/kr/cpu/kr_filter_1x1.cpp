#include "reactivation/kr/cpu/kr_filter_1x1.h"

#include <cmath>
#include <cstring>

#include "reactivation/kr/kr_math.h"
#include "reactivation/order_keys.h"
#include "reactivation/select_keys.h"

namespace revive {
namespace {

// GCC vector extensions: SSE on x86-64, NEON elsewhere. Keys are below 2^31, so signed compares
// order them (SSE2 has no unsigned ones).
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

// Writes the keys of w[0, n) to work and returns kr_best_kernel's choice, the first of the
// largest: per lane the largest key and its first index, then the first of the lanes' largest.
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

}  // namespace

void kr_reactivate_1x1(float* w, int32_t n_kernels, int32_t n_invalid, uint32_t* work, int64_t* rescale) {
  const int32_t best = keys_and_best(w, n_kernels, work);
  const uint32_t best_key = work[best];
  // The others' keys: the last in the best one's place (select_rank's answer does not depend on
  // the keys' order). The first n_invalid of the others in the stable order: keys below the
  // threshold, and those equal to it before `cutoff`. The threshold is mostly one kernel's alone:
  // then no scan for the cutoff is needed.
  work[best] = work[n_kernels - 1];
  const SelectRank rank = select_rank(work, n_kernels - 1, n_invalid - 1);
  const int32_t t = static_cast<int32_t>(rank.threshold);
  I4 equal4{};
  int32_t c = 0;
  for (; c + 4 <= n_kernels; c += 4) equal4 -= keys4(w + c) == t;
  int32_t n_equal = equal4[0] + equal4[1] + equal4[2] + equal4[3];
  for (; c < n_kernels; ++c) n_equal += magnitude_key(w[c]) == rank.threshold;
  n_equal -= best_key == rank.threshold;  // the best kernel is not among the others
  int32_t cutoff = n_kernels;
  if (n_equal > rank.equal_before + 1) {
    cutoff = 0;
    for (int64_t ties = rank.equal_before + 1; ties > 0; ++cutoff)
      ties -= cutoff != best && magnitude_key(w[cutoff]) == rank.threshold;
  }
  // kr_rescale_kernel's arithmetic and statuses (kr_rescale_factor) on 4-float vectors, then the
  // rest one by one; branch-free, as which kernels are selected is unpredictable.
  const float best_l1 = std::fabs(w[best]);
  const I4 best_ok = I4{} - static_cast<int32_t>(best_l1 <= kKrMaxBestL1);
  I4 rescaled{}, zero_norm{}, non_finite{};
  for (c = 0; c + 4 <= n_kernels; c += 4) {
    F4 x;
    std::memcpy(&x, w + c, sizeof x);
    const I4 key = keys4(w + c);
    const F4 k = reinterpret_cast<F4>(reinterpret_cast<I4>(x) & 0x7fffffff);
    const I4 index = I4{0, 1, 2, 3} + c;
    const I4 in = (index != best) & ((key < t) | ((key == t) & (index < cutoff)));
    const F4 r = best_l1 / k;
    const I4 zero = k == 0.0f;
    const I4 ok = ((reinterpret_cast<I4>(r) & 0x7f800000) != 0x7f800000) & best_ok & ~zero;
    x = (in & ok) != 0 ? x * r : x;
    std::memcpy(w + c, &x, sizeof x);
    rescaled -= in & ok;
    zero_norm -= in & zero;
    non_finite -= in & ~zero & ~ok;
  }
  for (int i = 0; i < 4; ++i) {
    rescale[0] += rescaled[i];
    rescale[1] += zero_norm[i];
    rescale[2] += non_finite[i];
  }
  for (; c < n_kernels; ++c) {
    const uint32_t key = magnitude_key(w[c]);
    const bool in = c != best && (key < rank.threshold || (key == rank.threshold && c < cutoff));
    if (in) kr_rescale_kernel(w + c, 1, best_l1, std::fabs(w[c]), rescale);
  }
}

}  // namespace revive
