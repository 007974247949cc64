#include "kernels/cpu/avx2/cpu_features.h"

namespace revive::kernels::cpu::avx2 {

// Built without -mavx2: runs on any x86-64 CPU.
bool cpu_has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

}  // namespace revive::kernels::cpu::avx2
