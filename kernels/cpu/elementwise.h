// Parallel element-wise loops over raw buffers, shared by the CPU element-wise ops. Small tensors
// stay on one thread: below about 32k elements the fork costs more than the loop.
#pragma once

#include <cstdint>

namespace revive::kernels::cpu {

constexpr int64_t kParallelThreshold = 32768;

// y[i] = f(x[i])
template <class T, class F>
void map(T* y, const T* x, int64_t n, F f) {
#pragma omp parallel for simd if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

// y[i] = f(a[i], b[i])
template <class T, class F>
void map2(T* y, const T* a, const T* b, int64_t n, F f) {
#pragma omp parallel for simd if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
}

}  // namespace revive::kernels::cpu
