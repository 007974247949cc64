// select_rank (reactivation/select_keys.h) in AVX-512F, for the many small selections of a KR step
// (C2 over a layer's filters, C3 over a filter's kernels: tens to a thousand keys, in L1). The
// portable radix select counts its histograms key by key and scans up to 256 bins per digit;
// here every pass is 16 keys per instruction. The only file built with -mavx512f for the
// selections (CMakeLists.txt); callers check kernels::cpu::avx512::cpu_has_avx512() first.
#pragma once

#include <cstdint>

#include "reactivation/select_keys.h"

namespace revive::select_avx512 {

// select_rank(keys, n, rank)'s answer (0 <= rank < n); clobbers keys[0, n).
SelectRank select_rank(uint32_t* keys, int64_t n, int64_t rank);

}  // namespace revive::select_avx512
