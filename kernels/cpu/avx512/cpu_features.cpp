#include "kernels/cpu/avx512/cpu_features.h"

namespace revive::kernels::cpu::avx512 {

// Built without -mavx512f: runs on any x86-64 CPU. GCC's check includes the operating system's
// support for the AVX-512 register state.
bool cpu_has_avx512() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  return yes;
}

}  // namespace revive::kernels::cpu::avx512
