// Stage (a) of the reactivation pipelines on CUDA (reactivation/filter_norms.h): the L1 norm and
// average L1 of every filter of a filter table in one launch, equal to filter_norm_l1_cpu's bit for
// bit. Raw device arrays, so that each method passes those of its own device copy of the table.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace revive::reactivation_cuda {

// For every filter f < n_filters: l1[f] = the L1 norm of the filter_len[filter_layer[f]] floats at
// arena + filter_offset[f], and importance[f] = l1[f] / divisor[filter_layer[f]] (|x| for
// filters of length 1). Per-layer arrays: filter_len, divisor; per-filter: filter_layer,
// filter_offset.
void launch_filter_norm_l1(int32_t n_filters, const int32_t* filter_layer, const int64_t* filter_offset,
                           const int32_t* filter_len, const float* divisor, const float* arena, float* l1,
                           float* importance, cudaStream_t stream);

}  // namespace revive::reactivation_cuda
