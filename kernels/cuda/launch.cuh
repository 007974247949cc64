// Launch helpers shared by the kernels of kernels/cuda (STYLE.md: one helper, launch_linear, as
// tiny-cuda-nn's linear_kernel; a grid-stride loop as Caffe's CUDA_KERNEL_LOOP), and the block
// reduction the per-channel and per-batch kernels use.
#pragma once

#include <cstdint>

#include "kernels/cuda/runtime.h"

namespace revive::kernels::cuda {

constexpr int kBlock = 256;
// Enough blocks to fill any current GPU several times over; larger sizes loop inside the kernel.
constexpr int64_t kMaxBlocks = int64_t{1} << 16;

// Every index in [0, n) exactly once across the grid, in 64-bit arithmetic.
#define REVIVE_CUDA_KERNEL_LOOP(i, n)                                                                      \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);                  \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// Launches kernel(n, args...) on the process-wide stream with kBlock threads per block and enough
// blocks (capped) for a grid-stride loop over n elements; nothing is launched for n == 0.
template <class Kernel, class... Args>
void launch_linear(Kernel kernel, int64_t n, Args... args) {
  if (n <= 0) return;
  const int64_t blocks = (n + kBlock - 1) / kBlock < kMaxBlocks ? (n + kBlock - 1) / kBlock : kMaxBlocks;
  kernel<<<static_cast<unsigned>(blocks), kBlock, 0, stream()>>>(n, args...);
  REVIVE_CUDA_CHECK_LAUNCH();
}

// Sum of v over the block (blockDim.x a multiple of 32, at most 1024), valid in thread 0. Fixed
// order for a fixed block size: results do not depend on timing. `scratch` holds 32 values (shared
// memory); a second call in the same kernel needs a __syncthreads() before it.
template <class T>
__device__ T block_sum(T v, T* scratch) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  const int n_warps = blockDim.x / 32;
  v = threadIdx.x < n_warps ? scratch[threadIdx.x] : T(0);
  if (warp == 0) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
  }
  return v;
}

}  // namespace revive::kernels::cuda
