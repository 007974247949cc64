// What the Weight Evolution kernels of reactivation/we/cuda share: the device copy of the filter table,
// the step's host values (passed by value in every launch), the step's device scratch, the counts
// read back at the end, and the launchers of the five stages (one .cu file each). Plain structs of
// device pointers, so the host code (we_cuda.cpp) needs no nvcc.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reactivation/we/we_math.h"

namespace revive::we_cuda {

constexpr int kPools = 3;  // conv, BN gamma, BN beta: ReactivatableKind's values
constexpr int kConvPool = 0;  // ReactivatableKind::kConvWeight (checked in we_cuda.cpp)
// The largest layer launch_order_block handles (kWeBlockSortCapacity, checked in we_cuda.cpp).
constexpr int32_t kOrderBlockCapacity = 2048;

// The filter table on the device (ARCHITECTURE.md decision 3), flat arrays uploaded once.
struct DeviceTable {
  int32_t n_layers = 0;
  int32_t n_filters = 0;
  int32_t max_layer_filters = 0;
  // Bits of a filter's position in its layer in stage (d)'s sort keys: 2^bits > max_layer_filters.
  int32_t order_index_bits = 1;
  // Per layer.
  const uint8_t* kind = nullptr;  // ReactivatableKind
  const int32_t* layer_filters = nullptr;
  const int32_t* filter_len = nullptr;
  const int32_t* n_slices = nullptr;
  const int32_t* slice_len = nullptr;
  const int32_t* kernel_h = nullptr;
  const int32_t* groups = nullptr;
  const float* divisor = nullptr;
  const int32_t* first_filter = nullptr;  // n_layers + 1 entries
  // Per filter.
  const int32_t* filter_layer = nullptr;
  const int64_t* filter_offset = nullptr;
  // Filter ids grouped by pool: pool k owns pool_filter[pool_begin[k], pool_begin[k + 1]).
  const int32_t* pool_filter = nullptr;
  int32_t pool_begin[kPools + 1] = {};
};

// The host values of one step (baked into a captured graph).
struct StepParams {
  WeSelection selection = WeSelection::kBoth;
  WeMatching matching = WeMatching::kForward;
  WeLevel level = WeLevel::kElement;
  WeFilterLevelBlend filter_level_blend = WeFilterLevelBlend::kNone;
  WeBlendParams blend;
  bool ri_inclusive = false;
  bool group_aware_ri = false;
  float lambda = 0;
  double fallback_period = 0;
  bool enabled[kPools] = {};
  int64_t threshold_rank[kPools] = {};
  int64_t fallback_counter[kPools] = {};  // the counters before the step
  double dead_threshold[3] = {};          // kWeDeadThresholds
};

// Everything a step writes, except the arena; the unsigned long long fields are atomically added.
struct Counts {
  unsigned long long conv_below[3];        // conv filters below kWeDeadThresholds
  unsigned long long crossover[kPools][3]; // written, zero denominators, non-finite (we_record)
  long long candidates[kPools];
  long long inferior[kPools];
  long long pairs[kPools];
  long long fallback_forced[kPools];
  long long fallback_counter[kPools];  // after the step
};

struct DeviceScratch {
  float* l1 = nullptr;          // per filter
  float* importance = nullptr;  // per filter
  uint64_t* threshold = nullptr;  // per pool
  int32_t* n_tbd = nullptr;       // per layer
  int32_t* n_ri = nullptr;        // per layer
  uint64_t* ri_bound = nullptr;   // per layer
  WeLayerSelection* selection = nullptr;  // per layer
  int32_t* pair_offset = nullptr;         // n_layers + 1: layer l's pairs start at pair_offset[l]
  int32_t* dominant = nullptr;            // n_filters / 2 capacity
  int32_t* inferior = nullptr;
  uint64_t* keys_in = nullptr;  // per filter, kDeviceSegmented only
  uint64_t* keys_out = nullptr;
  void* sort_temp = nullptr;    // cub::DeviceSegmentedRadixSort's, kDeviceSegmented only
  size_t sort_temp_bytes = 0;
  Counts* counts = nullptr;
};

// Each launcher queues its stage on `stream` (the caller's, we_cuda.h).
// (a) is the shared launch_filter_norm_l1 (reactivation/cuda/filter_norms_cuda.h).
// (b) we_threshold.cu: the threshold of every enabled pool and the conv dead-filter counts.
void launch_thresholds(const DeviceTable& t, const StepParams& p, const DeviceScratch& s, cudaStream_t stream);
// (c) we_layer_select.cu: per-layer counts, then the selections in module order with the fallback
// counters, the pair offsets and the pools' totals.
void launch_layer_select(const DeviceTable& t, const StepParams& p, const DeviceScratch& s, cudaStream_t stream);
// (d) we_order.cu: the pairs of every layer, by either sort.
void launch_order_block(const DeviceTable& t, const StepParams& p, const DeviceScratch& s, cudaStream_t stream);
void launch_order_segmented(const DeviceTable& t, const StepParams& p, const DeviceScratch& s, cudaStream_t stream);
size_t order_segmented_temp_bytes(const DeviceTable& t);
// (e) we_crossover.cu: rewrites the inferior filters of every pair.
void launch_crossover(const DeviceTable& t, const StepParams& p, float* arena, const DeviceScratch& s,
                      cudaStream_t stream);

}  // namespace revive::we_cuda
