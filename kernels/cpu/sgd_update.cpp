#include "kernels/sgd_update.h"

namespace revive::kernels {

namespace {
// Below this many elements the fork/join of a parallel region costs more than the update.
constexpr int64_t kParallelMinElements = int64_t{1} << 15;
}  // namespace

void sgd_update_cpu(float* param, float* momentum_buf, const float* dparam, int64_t n, const SgdUpdateParams& hp) {
  // Each thread gets its own copy of the hyper-parameters: stores to param could otherwise alias
  // the fields of a shared struct, which stops GCC from unswitching the loop on them (one
  // branch-free, vectorised loop per flag combination). `omp simd` is left out on purpose: GCC 12
  // then vectorised only one of the unswitched copies (checked with -fopt-info-vec).
  const SgdUpdateParams h = hp;
#pragma omp parallel for schedule(static) firstprivate(h) if (n >= kParallelMinElements)
  for (int64_t i = 0; i < n; ++i) sgd_update_element(param, momentum_buf, dparam, i, h);
}

}  // namespace revive::kernels
