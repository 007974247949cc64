// The AVX-512 inner loops of the CPU batch norm (kernels/cpu/batch_norm.cpp) on the 16-channel
// blocked layout: one plane of HW pixels x 16 channels at a time, one vector per pixel, on raw
// pointers (built and called as cpu_features.h says; the caller keeps the threading and the order
// of the partial sums). Each lane does what the portable loop does for its channel, in the same
// order and without fusing a product into a sum, so both give the same bits (a NaN's sign aside,
// which follows operand order): bn_affine is
// scale * x + shift, the activations and their gradients are those of kernels/relu.h (NaN fails
// every comparison), and the tests compare the two on special values.
#pragma once

#include <cstdint>

namespace revive::kernels::cpu::avx512 {

// The activation fused into the batch norm: kernels/batch_norm.h's BnActivation as an integer
// (0 none, 1 relu, 2 relu6), so that this header needs nothing of the portable code.
// A fused activation's backward mask reads act's gradient at ms[j] m[i] + md[j] (m: the plane of x,
// ms/md: the forward's scale and shift of the plane's 16 channels); with act 0 they may be null.
struct PlaneMask {
  int act = 0;
  const float* m = nullptr;
  const float* ms = nullptr;
  const float* md = nullptr;
};

// For each channel j of the plane, runs of 32 pixels: a = sum (u' - su[j]), b = sum (u' - su[j])
// (v - sv[j]) in float, u' = u masked by `mask`; each run's a and b are added to p1[j] and p2[j]
// in double.
void bn_reduce_plane16(double* p1, double* p2, const float* u, const float* v, const float* su, const float* sv,
                       int64_t HW, const PlaneMask& mask);

// out = out_act(a[j] u' + b[j] v + d[j]) for each pixel and channel j, u' = u masked by `mask`;
// v == nullptr drops the middle term (out_act(bn_affine(a[j], u', d[j]))).
void bn_combine_plane16(float* out, const float* u, const float* v, const float* a, const float* b, const float* d,
                        int64_t HW, int out_act, const PlaneMask& mask);

}  // namespace revive::kernels::cpu::avx512
