// Max and average pooling over R x S windows: y[n,c,p,q] = max / mean over the window at
// (p*stride - pad, q*stride - pad). Average counts padding (PyTorch count_include_pad=True).
//
// Shapes: x [N, C, H, W] -> y [N, C, P, Q], P = (H + 2 pad - kernel) / stride + 1 (rounded down:
// PyTorch's ceil_mode=False). pad <= kernel / 2 (PyTorch's rule), so every window holds at least one
// real pixel and never reaches past the padding: the average always divides by kernel^2.
// Backward, all outputs `=`: max routes dy to the first maximum of its window in row-major order
// (PyTorch's tie rule; NaN counts as a maximum), found again from x rather than stored; avg spreads
// dy / kernel^2 over the window.
//
// Versions:
//  - *_pool2d_*_cpu<T>: plain NCHW buffers, float or double; gradient checks run them in double.
//  - *_pool2d_*_cpu (Tensor): the same template body on plain or blocked tensors (layout kept),
//    the innermost loop over a block of 8/16 channels; padding channels pool zeros into zeros.
//  - *_pool2d_*_cuda: one thread per output (forward) or per input element (backward, a gather
//    over the windows that contain it, so no atomics and the CPU's summation order), sharing
//    pool_window / max_pool_takes / pool_windows_containing below (kernels/cuda/pool2d.cu).
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "core/tensor.h"

namespace revive::kernels {

struct Pool2dParams {
  int kernel = 2;
  int stride = 2;
  int pad = 0;
};

struct Pool2dShape {
  int64_t N, C, H, W;  // input
  int64_t P, Q;        // output spatial size
};

// Validates x's shape against p (a clear revive::Error naming what is wrong) and derives the output size.
Pool2dShape pool2d_shape(const Shape& x, const Pool2dParams& p);

// The window of output (p, q): rows h0 + [r0, r1), columns w0 + [s0, s1), clipped to the image.
struct PoolWindow {
  int64_t h0, w0, r0, r1, s0, s1;
};
REVIVE_HD PoolWindow pool_window(int64_t H, int64_t W, int kernel, int stride, int pad, int64_t p, int64_t q) {
  const int64_t h0 = p * stride - pad, w0 = q * stride - pad;
  return {h0, w0, h0 < 0 ? -h0 : 0, H - h0 < kernel ? H - h0 : kernel, w0 < 0 ? -w0 : 0,
          W - w0 < kernel ? W - w0 : kernel};
}

// Whether v replaces the running maximum: strictly greater keeps the first of equal values; NaN wins.
template <class T>
REVIVE_HD bool max_pool_takes(T v, T best) {
  return v > best || v != v;
}

// The outputs whose windows contain input row h: [first, last] (empty when first > last). I: the
// index type, uint32_t where the CUDA kernels can divide in 32 bits (h, P >= 1 and the result then
// below 2^31), else int64_t.
struct PoolRange {
  int64_t first, last;
};
template <class I>
REVIVE_HD PoolRange pool_windows_containing(I h, I P, int kernel, int stride, int pad) {
  // Window p covers rows p*stride - pad + [0, kernel): p*stride <= h + pad < p*stride + kernel.
  const I hp = h + static_cast<I>(pad), k = static_cast<I>(kernel), st = static_cast<I>(stride);
  const I first = hp < k ? 0 : (hp - k) / st + 1;
  const I last = hp / st < P - 1 ? hp / st : P - 1;
  return {static_cast<int64_t>(first), static_cast<int64_t>(last)};
}

// The index (row-major within the window's image plane) of the first maximum of window (p, q)
// of the H x W plane xp: the element the max-pool backward routes dy to.
template <class T>
REVIVE_HD int64_t max_pool_argmax(const T* xp, int64_t H, int64_t W, int kernel, int stride, int pad, int64_t p,
                                  int64_t q) {
  const PoolWindow w = pool_window(H, W, kernel, stride, pad, p, q);
  int64_t arg = (w.h0 + w.r0) * W + w.w0 + w.s0;
  T best = xp[arg];
  for (int64_t r = w.r0; r < w.r1; ++r) {
    for (int64_t c = w.s0; c < w.s1; ++c) {
      const int64_t i = (w.h0 + r) * W + w.w0 + c;
      if (max_pool_takes(xp[i], best)) {
        best = xp[i];
        arg = i;
      }
    }
  }
  return arg;
}

template <class T>
void max_pool2d_forward_cpu(T* y, const T* x, const Pool2dShape& s, const Pool2dParams& p);
template <class T>
void max_pool2d_backward_cpu(T* dx, const T* dy, const T* x, const Pool2dShape& s, const Pool2dParams& p);
template <class T>
void avg_pool2d_forward_cpu(T* y, const T* x, const Pool2dShape& s, const Pool2dParams& p);
template <class T>
void avg_pool2d_backward_cpu(T* dx, const T* dy, const Pool2dShape& s, const Pool2dParams& p);

// x float32 [N, C, H, W], plain or blocked; results keep x's layout (dy is taken in it).
Tensor max_pool2d_forward(const Tensor& x, const Pool2dParams& p);
Tensor max_pool2d_backward(const Tensor& dy, const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_forward(const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_backward(const Tensor& dy, const Shape& x_shape, Layout x_layout, const Pool2dParams& p);

// Backends, called by the entry points after validation (dy of the right shape, on x's device).
Tensor max_pool2d_forward_cpu(const Tensor& x, const Pool2dParams& p);
Tensor max_pool2d_backward_cpu(const Tensor& dy, const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_forward_cpu(const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_backward_cpu(const Tensor& dy, const Shape& x_shape, Layout x_layout, const Pool2dParams& p);
Tensor max_pool2d_forward_cuda(const Tensor& x, const Pool2dParams& p);
Tensor max_pool2d_backward_cuda(const Tensor& dy, const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_forward_cuda(const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_backward_cuda(const Tensor& dy, const Shape& x_shape, Layout x_layout, const Pool2dParams& p);

}  // namespace revive::kernels
