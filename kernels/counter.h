// A step counter held in a one-element int64 tensor (BatchNorm2d's num_batches_tracked): count += 1
// where the tensor lives, so a counter on the GPU never makes the host wait for the device.
//
// Versions: counter_increment_cpu (one host add), counter_increment_cuda (one single-thread kernel).
#pragma once

#include "core/tensor.h"

namespace revive::kernels {

// count: int64, one element (any shape), on any device.
void counter_increment(Tensor& count);

// Backends, called by the entry point after validation.
void counter_increment_cpu(Tensor& count);
void counter_increment_cuda(Tensor& count);

}  // namespace revive::kernels
