// The AVX-512 parts of FG's CPU loops (reactivation/fg/cpu/fg_cpu_parts.h: min_max, bin_counts,
// blend_ring), on raw pointers (built with -mavx512f -mfma, fusing only through an explicit
// intrinsic: the bin estimate's, never a blend's; called only where kernels/cpu/avx512/cpu_features.h
// says the CPU runs them).
#pragma once

#include <cstdint>

namespace revive::kernels::cpu::avx512 {

// counts[b] += the number of i < n whose entropy_bin(x[i], edges) is b, for b < 10; n a multiple
// of 16, edges[0] not NaN (the caller returns before: no bin holds anything then). In the same loop,
// where side_n > 0 (a multiple of 16), fg_min_max of side[0, side_n) into lo, hi and nan.
void fg_bin_counts(const float* x, int64_t n, const float* edges, int64_t* counts, const float* side, int64_t side_n,
                   float* lo, float* hi, bool* nan);

// lo and hi of x[0, n), n a positive multiple of 16, and whether any x is NaN (lo and hi are then
// meaningless). A zero's sign in lo or hi may differ from the portable loop's, which no bin edge
// sees (fg_math.h).
void fg_min_max(const float* x, int64_t n, float* lo, float* hi, bool* nan);

// The ring blend of n networks' runs x[0..n) of len floats: run k <- run k * w[2k] + (run k-1,
// before it was written; run n-1 for k = 0) * w[2k+1], each product and the sum rounded to float
// (fg_blend's arithmetic, no fused multiply-add); a run whose w[2k+1] is 0 is left as it is. w holds
// FgBlendWeights {self, scion} pairs.
void fg_blend_ring(float* const* x, int n, int64_t len, const float* w);

}  // namespace revive::kernels::cpu::avx512
