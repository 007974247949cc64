// The passes over a filter of 1x1 kernels that reactivation/kr/cpu/kr_filter_1x1.cpp runs for C3
// and the rescale (§3.2), in AVX-512: 16 kernels at a time, with masks where the portable loops
// need three logic operations per blend, and masked loads for the last ones. The only file built
// with -mavx512f for KR (CMakeLists.txt); raw-pointer functions, no shared inline code; callers
// check kernels::cpu::avx512::cpu_has_avx512() first. Each gives the portable pass's bits.
#pragma once

#include <cstdint>

namespace revive::kr_avx512 {

// work[c] = magnitude_key(w[c]) for c < n; returns the first index of the largest key.
int32_t keys_and_best(const float* w, int32_t n, uint32_t* work);

// w[c] *= best_l1 / |w[c]| for the selected kernels (c != best, key below threshold, or equal to
// it and among the first `ties` such in index order) whose factor kr_rescale_factor accepts
// (best_ok: best_l1 <= kKrMaxBestL1); counts[0..2] += rescaled, zero norm, non-finite, as
// kr_rescale_kernel counts them. The ties are counted in the same pass, where the portable path
// counts them first to find the cutoff.
void rescale(float* w, int32_t n, int32_t best, uint32_t threshold, int32_t ties, float best_l1, bool best_ok,
             int64_t* counts);

}  // namespace revive::kr_avx512
