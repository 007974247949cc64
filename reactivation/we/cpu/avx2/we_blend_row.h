// The AVX2 part of Weight Evolution's crossover (reactivation/we/cpu/we_crossover.cpp): the blend of a row
// of one-element slices (1x1 convolutions) of an inferior filter with its dominant's, on raw
// pointers (built and called as cpu_features.h says). Each formula is the one of
// reactivation/we/we_math.h, operation for operation, so the results are bit-identical to the
// portable loop; this file is built without -mfma, so that no product and sum are fused.
#pragma once

#include <cstdint>

namespace revive::kernels::cpu::avx2 {

// For e < n, with m = inferior[e] and l = dominant[e], the blended value v replaces m where the
// blend is written (its denominator is not zero and v is finite). counts[0] += blends written,
// counts[1] += zero denominators, counts[2] += non-finite results.
//   adaptive (paper Eq. 5-6): alpha = |m| / (|m| + |l|), v = alpha m + (1 - alpha) l; zero: |m| + |l| == 0
//   harmonic (reference code): alpha = m / (m + l), v = alpha l + (1 - alpha) m; zero: |m + l| <= eps
//   fixed: v = alpha m + (1 - alpha) l; never zero
void blend_adaptive_row(float* inferior, const float* dominant, int32_t n, int64_t* counts);
void blend_harmonic_row(float* inferior, const float* dominant, int32_t n, float eps, int64_t* counts);
void blend_fixed_row(float* inferior, const float* dominant, int32_t n, float alpha, int64_t* counts);

}  // namespace revive::kernels::cpu::avx2
