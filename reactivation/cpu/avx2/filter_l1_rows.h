// The AVX2 part of the filter-norm pass (reactivation/filter_norms.h): the L1 norms of a run of
// equally long, contiguous filters, on raw pointers (built and called as cpu_features.h says).
#pragma once

#include <cstdint>

namespace revive::kernels::cpu::avx2 {

// For i < n: l1[i] = the L1 norm of the len floats at p + i len, summed in filter_norms.h's order
// (element e into lane e mod 16, then the halving tree), and importance[i] = l1[i] / divisor.
// len >= 1; every float read is one of the filters' own.
void filter_l1_rows(const float* p, int64_t n, int32_t len, float divisor, float* l1, float* importance);

}  // namespace revive::kernels::cpu::avx2
