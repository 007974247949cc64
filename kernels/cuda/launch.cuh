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

// The same loop with an index of type Index: uint32_t for the kernels with_index_type launches
// with 32-bit indices (n < 2^31, so i plus the grid's stride, at most 2^24, stays below 2^32).
#define REVIVE_CUDA_KERNEL_LOOP_T(Index, i, n)                                                             \
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);                      \
       i += static_cast<Index>(blockDim.x) * gridDim.x)

// Kernels that split a flat index into coordinates (i / HW % C, i % Q, ...) do a division and a
// remainder per element, and 64-bit ones cost several times the 32-bit ones on a GPU. Such kernels
// are templated on their index type and launched inside with_index_type(extent, f), which calls
// f(uint32_t{}) when every index they form is below `extent` <= 2^31 - 1 (every tensor of the
// CIFAR models), else f(int64_t{}).
template <class F>
void with_index_type(int64_t extent, F&& f) {
  if (extent <= INT32_MAX) {
    f(uint32_t{});
  } else {
    f(int64_t{});
  }
}

// Blocks of kBlock threads for a grid-stride loop over n elements: one per kBlock elements, capped.
inline unsigned linear_blocks(int64_t n) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  return static_cast<unsigned>(blocks < kMaxBlocks ? blocks : kMaxBlocks);
}

// Launches kernel(n, args...) on `stream` with kBlock threads per block and linear_blocks(n)
// blocks; nothing is launched for n <= 0.
template <class Kernel, class... Args>
void launch_linear_on(cudaStream_t stream, Kernel kernel, int64_t n, Args... args) {
  if (n <= 0) return;
  kernel<<<linear_blocks(n), kBlock, 0, stream>>>(n, args...);
  REVIVE_CUDA_CHECK_LAUNCH_ON(stream);
}

// launch_linear_on the process device's current stream (runtime.h stream()).
template <class Kernel, class... Args>
void launch_linear(Kernel kernel, int64_t n, Args... args) {
  launch_linear_on(stream(), kernel, n, args...);
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
