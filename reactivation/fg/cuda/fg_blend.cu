// Stage (c) of Filter Grafting on CUDA: one launch blends every network's arena and buffers. A
// block takes a tile of the arena's blended segments (or one blended buffer) and, per element,
// walks the ring: it reads network N-1's value, then for k = 0..N-1 reads network k's value and
// writes fg_blend(x_k, x_{k-1}) before moving on, so every write uses pre-graft values and no
// snapshot of the arenas is needed. Integer buffers take fg_blend_counter (float, truncated).
#include "core/dtype.h"
#include "kernels/cuda/launch.cuh"
#include "reactivation/fg/cuda/fg_device.h"

namespace revive::fg_cuda {

template <class T, class Blend>
static __device__ void blend_buffer(const DeviceLayout& d, int32_t buffer, int64_t numel, const FgBlendWeights* w,
                                    int32_t group, Blend blend) {
  void* const* ptr = d.buffers + static_cast<int64_t>(buffer) * d.n_models;
  for (int64_t i = threadIdx.x; i < numel; i += blockDim.x) {
    T prev = static_cast<const T*>(ptr[d.n_models - 1])[i];
    for (int k = 0; k < d.n_models; ++k) {
      T* x = static_cast<T*>(ptr[k]) + i;
      const T cur = *x;
      *x = blend(cur, prev, w[static_cast<int64_t>(k) * d.n_groups + group]);
      prev = cur;
    }
  }
}

static __device__ float blend_float(float x, float s, FgBlendWeights w) { return fg_blend(x, s, w); }
static __device__ int64_t blend_i64(int64_t x, int64_t s, FgBlendWeights w) { return fg_blend_counter(x, s, w); }
static __device__ int32_t blend_i32(int32_t x, int32_t s, FgBlendWeights w) {
  return static_cast<int32_t>(fg_blend_counter(x, s, w));
}

static __global__ void blend_kernel(DeviceLayout d, const FgBlendWeights* w) {
  for (int64_t b = blockIdx.x; b < static_cast<int64_t>(d.n_tiles) + d.n_blend_buffers; b += gridDim.x) {
    if (b >= d.n_tiles) {
      const int32_t i = static_cast<int32_t>(b - d.n_tiles);
      const int32_t buffer = d.blend_buffer[i], group = d.blend_buffer_group[i];
      const int64_t numel = d.blend_buffer_numel[i];
      switch (static_cast<DType>(d.blend_buffer_dtype[i])) {
        case DType::kFloat32: blend_buffer<float>(d, buffer, numel, w, group, blend_float); break;
        case DType::kInt64: blend_buffer<int64_t>(d, buffer, numel, w, group, blend_i64); break;
        case DType::kInt32: blend_buffer<int32_t>(d, buffer, numel, w, group, blend_i32); break;
      }
      continue;
    }
    const int64_t begin = d.tile_begin[b];
    const int32_t group = d.tile_group[b];
    for (int32_t i = threadIdx.x; i < d.tile_len[b]; i += blockDim.x) {
      const int64_t e = begin + i;
      float prev = d.arenas[d.n_models - 1][e];
      for (int k = 0; k < d.n_models; ++k) {
        float* x = d.arenas[k] + e;
        const float cur = *x;
        *x = fg_blend(cur, prev, w[static_cast<int64_t>(k) * d.n_groups + group]);
        prev = cur;
      }
    }
  }
}

void launch_blend(const DeviceLayout& d, const DeviceScratch& s, cudaStream_t stream) {
  const int64_t blocks = static_cast<int64_t>(d.n_tiles) + d.n_blend_buffers;
  if (blocks == 0) return;
  blend_kernel<<<static_cast<unsigned>(blocks < kernels::cuda::kMaxBlocks ? blocks : kernels::cuda::kMaxBlocks),
                 kThreads, 0, stream>>>(d, s.weights);
  REVIVE_CUDA_CHECK_LAUNCH();
}

}  // namespace revive::fg_cuda
