// SGD update over a whole parameter arena in one fused pass, with the semantics of PyTorch's
// torch.optim.SGD (single-tensor path, maximize=False), element by element:
//
//   g = dparam + weight_decay * param                    (skipped when weight_decay == 0)
//   if momentum != 0:
//     buf = momentum_initialised ? momentum * buf + (1 - dampening) * g
//                                : g                     (PyTorch's first step clones g)
//     g   = nesterov ? g + momentum * buf : buf
//   param -= lr * g
//
// Shapes: param, dparam and momentum_buf are flat float32 buffers of the same n elements (the
// parameter, gradient and momentum arenas). param and momentum_buf are overwritten (=), dparam is
// read only. momentum_buf is not touched (and may be null / undefined) when momentum == 0.
//
// Why momentum_initialised: with dampening 0 a zero-filled buffer gives buf = g on the first step
// anyway, but with dampening d != 0 it would give (1 - d) g where PyTorch gives g; the caller
// (optim/sgd.h) tracks whether the buffer holds a first value yet.
//
// Weight decay applies to every element, BN parameters included, as PyTorch's default does.
//
// Versions:
//  - sgd_update_element: the per-element math, shared by the CPU loop and the CUDA kernel.
//  - sgd_update_cpu: OpenMP-parallel, vectorisable loop over raw buffers.
//  - sgd_update_cuda: one grid-stride kernel over the whole arena, one launch per step
//    (kernels/cuda/sgd_update.cu), the hyper-parameters passed by value.
//  - sgd_update (Tensor entry): validates and dispatches on the device.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "core/tensor.h"

namespace revive::kernels {

struct SgdUpdateParams {
  float lr = 0.0f;
  float momentum = 0.0f;
  float dampening = 0.0f;
  float weight_decay = 0.0f;
  bool nesterov = false;
  bool momentum_initialised = false;  // false before the first step that used momentum
};

// Updates element i of param (and of momentum_buf when h.momentum != 0).
REVIVE_HD void sgd_update_element(float* param, float* momentum_buf, const float* dparam, int64_t i,
                                  const SgdUpdateParams& h) {
  float g = dparam[i];
  if (h.weight_decay != 0.0f) g += h.weight_decay * param[i];
  if (h.momentum != 0.0f) {
    const float buf = h.momentum_initialised ? h.momentum * momentum_buf[i] + (1.0f - h.dampening) * g : g;
    momentum_buf[i] = buf;
    g = h.nesterov ? g + h.momentum * buf : buf;
  }
  param[i] -= h.lr * g;
}

void sgd_update_cpu(float* param, float* momentum_buf, const float* dparam, int64_t n, const SgdUpdateParams& h);
// Device pointers; queued on the process device's current stream.
void sgd_update_cuda(float* param, float* momentum_buf, const float* dparam, int64_t n, const SgdUpdateParams& h);

// Tensor entry point: param, momentum_buf and dparam are plain float32 tensors of equal numel on
// one device (any shape; the arena is treated as flat). momentum_buf may be undefined when
// h.momentum == 0.
void sgd_update(Tensor& param, Tensor& momentum_buf, const Tensor& dparam, const SgdUpdateParams& h);

}  // namespace revive::kernels
