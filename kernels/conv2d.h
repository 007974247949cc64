// Convolution: y[n,k,p,q] = sum_{c,r,s} x[n, g*C_g + c, p*sh - ph + r*dh, q*sw - pw + s*dw] * w[k,c,r,s] (+ b[k]),
// g = k / (K/groups). Shapes: x [N, C, H, W], w [K, C/groups, R, S], y [N, K, P, Q] with
// P = (H + 2 ph - dh (R-1) - 1) / sh + 1.
//
// Versions:
//  - conv2d_*_ref<T>: plain loops templated on float/double; the spec the tests trust (gradient
//    checks run on it in double).
//  - conv2d_*_cpu (kernels/cpu/conv2d_cpu.cpp): the route of each layer and pass, chosen once
//    per shape (kernels/cpu/conv_route_table.h): oneDNN's kernels (conv2d_onednn.h, blocked
//    activation layouts, primitives and weight reorders cached per shape) or revive's own.
//  - conv2d_*_cuda (kernels/cuda/conv2d_cudnn.cpp): cuDNN (grouped and depthwise through the
//    convolution's group count), plain NCHW, algorithms chosen once per shape and options.
//  - conv2d_forward / _backward_data / _backward_weights (Tensor entry points, kernels/conv2d.cpp):
//    validate, then dispatch on the device.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace revive::kernels {

struct Conv2dParams {
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;
  int dilation_h = 1, dilation_w = 1;
  int groups = 1;
};

struct Conv2dShape {
  int64_t N, C, H, W;  // input
  int64_t K, R, S;     // output channels, kernel
  int64_t P, Q;        // output spatial size
};

// Validates x/w shapes against p (clear revive::Error naming what is wrong) and derives the output size.
Conv2dShape conv2d_shape(const Shape& x, const Shape& w, const Conv2dParams& p);

// y = conv(x, w) + b (b may be null). Plain NCHW / KCRS buffers.
template <class T>
void conv2d_forward_ref(T* y, const T* x, const T* w, const T* b, const Conv2dShape& s, const Conv2dParams& p);
// dx = conv^T(dy, w)  (overwrites dx)
template <class T>
void conv2d_backward_data_ref(T* dx, const T* dy, const T* w, const Conv2dShape& s, const Conv2dParams& p);
// dw += corr(x, dy); db += sum dy (db may be null)
template <class T>
void conv2d_backward_weights_ref(T* dw, T* db, const T* x, const T* dy, const Conv2dShape& s, const Conv2dParams& p);

// Tensor entry points. x may be plain or blocked; y is returned in preferred_layout() on the CPU,
// plain on CUDA. All operands on one device.
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);
// The same with the output layout chosen by the caller (tests and benchmarks compare layouts).
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p, Layout y_layout);
// Returns dx in x_layout.
Tensor conv2d_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape, Layout x_layout,
                            const Conv2dParams& p);
// dw += ..., dbias += ... (dbias may be undefined). dw and dbias are plain.
void conv2d_backward_weights(Tensor& dw, Tensor* dbias, const Tensor& x, const Tensor& dy, const Conv2dParams& p);

// How CPU convolutions choose their routes (kernels/cpu/conv_route_table.h), in words for
// `revive info`.
std::string cpu_conv_routes();

// Backends, called by the entry points after validation (dbias null when there is none; CUDA
// layouts plain).
Tensor conv2d_forward_cpu(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p, Layout y_layout);
Tensor conv2d_backward_data_cpu(const Tensor& dy, const Tensor& w, const Shape& x_shape, Layout x_layout,
                                const Conv2dParams& p);
void conv2d_backward_weights_cpu(Tensor& dw, Tensor* dbias, const Tensor& x, const Tensor& dy, const Conv2dParams& p);
Tensor conv2d_forward_cuda(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);
Tensor conv2d_backward_data_cuda(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dParams& p);
void conv2d_backward_weights_cuda(Tensor& dw, Tensor* dbias, const Tensor& x, const Tensor& dy, const Conv2dParams& p);

}  // namespace revive::kernels
