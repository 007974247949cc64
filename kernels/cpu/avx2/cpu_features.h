// Which CPU the AVX2 files (every avx2/ folder: kernels/cpu/avx2/, reactivation/cpu/avx2/,
// reactivation/we/cpu/avx2/, reactivation/fg/cpu/avx2/) may run on.
//
// Those files (conv_tiles.cpp, winograd_tiles.cpp, filter_l1_rows.cpp; we_blend_row.cpp and
// fg_rows_avx2.cpp without -mfma) are the only ones built with -mavx2 -mfma (CMakeLists.txt), so
// the compiler keeps their accumulators in registers: with a target("avx2,fma") attribute in a portable file, GCC 12
// stored them to the stack after every FMA.
// They hold only such functions, on raw pointers and without library templates, so that no AVX2
// copy of an inline function shared with portable code can reach the link. Their callers check
// cpu_has_avx2_fma() first; the rest of the build stays portable x86-64.
#pragma once

namespace revive::kernels::cpu::avx2 {

// True when this CPU runs AVX2 and FMA (decided in portable code, cpu_features.cpp).
bool cpu_has_avx2_fma();

}  // namespace revive::kernels::cpu::avx2
