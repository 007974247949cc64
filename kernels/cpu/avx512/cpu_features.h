// Which CPU the AVX-512 files (kernels/cpu/avx512/) may run on.
//
// Those files are the only ones built with -mavx512f -mfma (CMakeLists.txt), for the reasons
// kernels/cpu/avx2/cpu_features.h gives for the AVX2 ones: raw-pointer functions only, no library
// templates, and every caller checks cpu_has_avx512() first.
#pragma once

namespace revive::kernels::cpu::avx512 {

// True when this CPU (and the operating system) runs AVX-512F and FMA (decided in portable code,
// cpu_features.cpp).
bool cpu_has_avx512();

}  // namespace revive::kernels::cpu::avx512
