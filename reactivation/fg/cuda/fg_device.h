// What the Filter Grafting kernels of reactivation/fg/cuda share: the device copy of a layout's
// tables, the step's device scratch, and the launchers (one .cu file per family). Plain structs of
// device pointers, so the host code (fg_cuda.cpp) needs no nvcc.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reactivation/fg/fg_math.h"

namespace revive::fg_cuda {

constexpr int kThreads = 256;

// The counts a step reads back, as one array of unsigned long long (offsets below).
struct CountsLayout {
  int64_t rewritten = 0;  // [model] noise and internal scions
  int64_t bins = 0;       // [model][group][kEntropyBins] (entropy)
  int64_t size = 0;
};

struct DeviceLayout {
  int32_t n_models = 0;
  int32_t n_groups = 0;
  int64_t n_filters = 0;  // conv filters per network
  int32_t n_chunks = 0;
  // Per group.
  const int64_t* group_offset = nullptr;
  const int32_t* group_filters = nullptr;
  const int32_t* group_filter_len = nullptr;
  const int64_t* group_first_filter = nullptr;
  const int32_t* group_own_bn = nullptr;       // filter-level grafting
  const int32_t* group_input_bn = nullptr;
  const int32_t* group_in_per_group = nullptr;
  const int32_t* group_out_per_group = nullptr;
  const int32_t* group_kernel_size = nullptr;
  // Per filter: its group.
  const int32_t* filter_group = nullptr;
  // Per chunk (FgLayout::chunks).
  const int32_t* chunk_group = nullptr;
  const int32_t* chunk_filter_begin = nullptr;
  const int32_t* chunk_filter_end = nullptr;
  // External blend: tiles of the arena's segments, then the blended buffers.
  int32_t n_tiles = 0;
  const int64_t* tile_begin = nullptr;
  const int32_t* tile_len = nullptr;
  const int32_t* tile_group = nullptr;
  int32_t n_blend_buffers = 0;
  const int32_t* blend_buffer = nullptr;  // the layout's buffer index
  const int32_t* blend_buffer_group = nullptr;
  const int64_t* blend_buffer_numel = nullptr;
  const uint8_t* blend_buffer_dtype = nullptr;  // DType
  // Filter-level grafting: channels of every BN, BN after BN; tiles over the BN tensors and convs.
  int64_t n_channels = 0;
  const int64_t* bn_first_channel = nullptr;  // n_bns + 1
  const int64_t* channel_gamma = nullptr;     // arena offset of the channel's gamma
  int32_t n_filter_tiles = 0;
  const int32_t* ftile_group = nullptr;   // conv tile: its group; BN tile: -1
  const int32_t* ftile_bn = nullptr;      // BN tile: its BN
  const int64_t* ftile_offset = nullptr;  // conv or arena BN tensor: arena offset of the tensor; else -1
  const int32_t* ftile_buffer = nullptr;  // BN buffer tensor: the layout's buffer index; else -1
  const int64_t* ftile_begin = nullptr;   // first element of the tile within its tensor
  const int32_t* ftile_len = nullptr;
  // Every network's storage: arenas[model], buffers[buffer * n_models + model].
  float* const* arenas = nullptr;
  void* const* buffers = nullptr;
};

struct DeviceScratch {
  float* l1 = nullptr;    // [model][filter]
  float* fmin = nullptr;  // [model][filter]
  float* fmax = nullptr;
  unsigned long long* counts = nullptr;  // CountsLayout
  CountsLayout counts_layout;
  FgBlendWeights* weights = nullptr;     // [model][group]
  int32_t* order = nullptr;              // [model][filter] internal scions' ascending order
  float* channel_w = nullptr;            // [model][channel]
  uint8_t* channel_ok = nullptr;         // [model][channel]: 0 where |g| + |g'| = 0 (skipped)
};

// fg_stats.cu: (a) every filter's L1, min and max; (b) every chunk's bins.
void launch_filter_stats(const DeviceLayout& d, const DeviceScratch& s, cudaStream_t stream);
void launch_bins(const DeviceLayout& d, const DeviceScratch& s, cudaStream_t stream);
// fg_blend.cu: (c) every network's arena tiles and blended buffers from s.weights.
void launch_blend(const DeviceLayout& d, const DeviceScratch& s, cudaStream_t stream);
// fg_variants.cu.
void launch_noise(const DeviceLayout& d, const DeviceScratch& s, float theta, float sigma, uint64_t seed,
                  uint32_t epoch, cudaStream_t stream);
void launch_internal(const DeviceLayout& d, const DeviceScratch& s, float theta, cudaStream_t stream);
void launch_filter_level(const DeviceLayout& d, const DeviceScratch& s, cudaStream_t stream);

}  // namespace revive::fg_cuda
