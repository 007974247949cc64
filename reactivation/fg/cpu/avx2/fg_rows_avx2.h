// The AVX2 parts of FG's CPU loops (reactivation/fg/cpu/fg_cpu_parts.h: min_max, bin_counts), on
// raw pointers (built and called as kernels/cpu/avx2/cpu_features.h says).
#pragma once

#include <cstdint>

namespace revive::kernels::cpu::avx2 {

// at_or_above[j] += the number of i < n with x[i] >= edges[j] (an ordered compare: false for NaN),
// for j = 0..10; n a multiple of 8.
void fg_edge_counts(const float* x, int64_t n, const float* edges, int64_t* at_or_above);

// lo and hi of x[0, n), n a positive multiple of 8, and whether any x is NaN (lo and hi are then
// meaningless). A zero's sign in lo or hi may differ from the portable loop's, which no bin edge
// sees (fg_math.h).
void fg_min_max(const float* x, int64_t n, float* lo, float* hi, bool* nan);

}  // namespace revive::kernels::cpu::avx2
