// What the Kernel Reactivation kernels of reactivation/kr/cuda share: the device copy of the filter
// table with KR's scope, the step's host values (passed by value in every launch), the device
// scratch, the counts read back at the end, and the launchers of stages (b) and (c). Plain structs
// of device pointers, so that the host code (kr_cuda.cpp) needs no nvcc.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reactivation/kr/kr_enums.h"

namespace revive::kr_cuda {

struct DeviceTable {
  int32_t n_layers = 0;
  int32_t n_filters = 0;
  // Per layer (every layer of the table).
  const uint8_t* kind = nullptr;  // ReactivatableKind
  const int32_t* filter_len = nullptr;
  const float* divisor = nullptr;     // the table's: I_g (or 1 for BN)
  const float* c1_divisor = nullptr;  // kr_average_l1_divisor (0 for layers not taking part)
  const int32_t* n_slices = nullptr;
  const int32_t* slice_len = nullptr;
  const int32_t* first_filter = nullptr;  // n_layers + 1 entries
  // Per filter.
  const int32_t* filter_layer = nullptr;
  const int64_t* filter_offset = nullptr;
  // KR's scope: the filters taking part (C1's pool), in id order, and where each one's kernel
  // norms go in the scratch; the layers taking part (a C2 block each).
  int32_t n_pool = 0;
  const int32_t* pool_filter = nullptr;
  const int64_t* pool_kappa_offset = nullptr;
  int32_t n_scope_layers = 0;
  const int32_t* scope_layer = nullptr;
};

// The host values of one step.
struct StepParams {
  bool applied = false;       // the selections and the rescale run (kr_step_applies)
  bool c1_by_rank = true;     // alpha_mode = fraction: C1's bound is selected on the device
  long long c1_rank = 0;      // kr_c1_rank
  uint64_t c1_bound = 0;      // alpha_mode = l1_threshold: kr_c1_threshold_bound
  double beta = 0;
  double gamma = 0;
  KrRounding rounding = KrRounding::kFloor;
  double dead_threshold[3] = {};  // kDeadFilterThresholds
};

// Everything a step counts; atomically added.
struct Counts {
  unsigned long long conv_below[3];
  unsigned long long c1_filters;
  unsigned long long invalid_filters;
  unsigned long long invalid_kernels;
  unsigned long long rescaled;
  unsigned long long zero_norm;
  unsigned long long non_finite;
};

struct DeviceScratch {
  float* l1 = nullptr;          // per filter
  float* importance = nullptr;  // per filter
  uint64_t* c1_bound = nullptr;  // 1
  uint64_t* c2_bound = nullptr;  // per layer
  uint8_t* invalid = nullptr;    // per pool entry: in F
  float* kappa = nullptr;        // the pool's kernel norms (pool_kappa_offset)
  Counts* counts = nullptr;
};

// (b) kr_select.cu: C1's bound, each taking-part layer's C2 bound and the dead-filter counts.
void launch_select(const DeviceTable& t, const StepParams& p, const DeviceScratch& s, cudaStream_t stream);
// (c) kr_rescale.cu: the invalid filters' C3 and rescale.
void launch_rescale(const DeviceTable& t, const StepParams& p, float* arena, const DeviceScratch& s,
                    cudaStream_t stream);

}  // namespace revive::kr_cuda
