// Linear (fully connected) layer: y[n,o] = sum_i x[n,i] w[o,i] (+ b[o]).
// Shapes: x [N, IN], w [OUT, IN] (PyTorch layout), b [OUT], y [N, OUT]; all plain row-major.
// Outputs: y and dx are written (=); dw and db accumulate (+=).
//
// Versions:
//  - linear_*_ref<T>: plain loops templated on float/double (below); the spec the tests trust and
//    the functions the gradient checks run on.
//  - linear_*_cpu (kernels/cpu/linear.cpp): oneDNN matmul primitives, cached per shape;
//    transposes are expressed as strides, so nothing is copied, and dw += dy^T x is one matmul
//    with a sum post-op.
//  - linear_*_cuda (kernels/cuda/linear_cublas.cpp): one cuBLAS SGEMM each, transposes as
//    operation flags, dw += through beta = 1; the bias through kernels/cuda/bias.h.
//  - linear_forward / _backward_data / _backward_weights (Tensor entry points, kernels/linear.cpp):
//    validate, then dispatch on the device.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace revive::kernels {

template <class T>
void linear_forward_ref(T* y, const T* x, const T* w, const T* b, int64_t N, int64_t IN, int64_t OUT) {
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t o = 0; o < OUT; ++o) {
      T acc = b ? b[o] : T(0);
      for (int64_t i = 0; i < IN; ++i) acc += x[n * IN + i] * w[o * IN + i];
      y[n * OUT + o] = acc;
    }
  }
}

// dx = dy w (overwrites dx)
template <class T>
void linear_backward_data_ref(T* dx, const T* dy, const T* w, int64_t N, int64_t IN, int64_t OUT) {
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t i = 0; i < IN; ++i) {
      T acc = 0;
      for (int64_t o = 0; o < OUT; ++o) acc += dy[n * OUT + o] * w[o * IN + i];
      dx[n * IN + i] = acc;
    }
  }
}

// dw += dy^T x; db += sum_n dy (db may be null)
template <class T>
void linear_backward_weights_ref(T* dw, T* db, const T* x, const T* dy, int64_t N, int64_t IN, int64_t OUT) {
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t o = 0; o < OUT; ++o) {
      const T d = dy[n * OUT + o];
      if (db) db[o] += d;
      for (int64_t i = 0; i < IN; ++i) dw[o * IN + i] += d * x[n * IN + i];
    }
  }
}

// x [N, IN], w [OUT, IN], bias [OUT] or undefined -> y [N, OUT].
Tensor linear_forward(const Tensor& x, const Tensor& w, const Tensor& bias);
// dy [N, OUT], w [OUT, IN] -> dx [N, IN].
Tensor linear_backward_data(const Tensor& dy, const Tensor& w);
// dw [OUT, IN] += dy^T x; *db [OUT] += sum_n dy when db is non-null and defined.
void linear_backward_weights(Tensor& dw, Tensor* db, const Tensor& x, const Tensor& dy);

// Backends, called by the entry points after validation (db null when there is none).
Tensor linear_forward_cpu(const Tensor& x, const Tensor& w, const Tensor& bias);
Tensor linear_backward_data_cpu(const Tensor& dy, const Tensor& w);
void linear_backward_weights_cpu(Tensor& dw, Tensor* db, const Tensor& x, const Tensor& dy);
Tensor linear_forward_cuda(const Tensor& x, const Tensor& w, const Tensor& bias);
Tensor linear_backward_data_cuda(const Tensor& dy, const Tensor& w);
void linear_backward_weights_cuda(Tensor& dw, Tensor* db, const Tensor& x, const Tensor& dy);

}  // namespace revive::kernels
