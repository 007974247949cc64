// Stage (d) of a KR step for one invalid filter of 1x1 kernels (§3.2): MobileNetV2's invalid
// filters are mostly these, hundreds of kernels each.
#pragma once

#include <cstdint>

namespace revive {

// kBest: the AVX-512 passes (reactivation/kr/cpu/avx512/) where the CPU has them; kPortable: the
// portable ones (the same bits, for tests).
enum class Kr1x1Isa { kBest, kPortable };

// C3 and the rescale of the n_kernels one-weight kernels at w, n_invalid > 0 of them selected, as
// kr_reference_step does it: a kernel's L1 is |w|, so the order keys come straight from the
// weights' bits and no norms are stored. work holds n_kernels keys (clobbered); rescale[0..2] +=
// kr_rescale_kernel's counts (rescaled, zero norm, non-finite).
void kr_reactivate_1x1(float* w, int32_t n_kernels, int32_t n_invalid, uint32_t* work, int64_t* rescale,
                       Kr1x1Isa isa = Kr1x1Isa::kBest);

}  // namespace revive
