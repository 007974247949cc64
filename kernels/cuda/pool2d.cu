// max_pool2d_* / avg_pool2d_*_cuda (kernels/pool2d.h) on plain NCHW buffers.
//
// Versions (one each):
//  - forward: one thread per output element; max takes the window's first maximum
//    (max_pool_argmax, NaN wins), avg sums the clipped window row by row and scales by 1/kernel^2,
//    the CPU's order, so both backends agree bit for bit.
//  - backward: one thread per input element gathers from the outputs whose windows contain it
//    (pool_windows_containing), in the row-major window order the CPU scatters in: no atomics,
//    deterministic, bit-identical to the CPU. Max re-finds each window's argmax from x instead of
//    storing indices, as the CPU does.
// Every kernel splits its flat index into (plane, row, column) in 32 bits when the tensors allow
// (launch.cuh with_index_type).
#include <algorithm>

#include "kernels/cuda/launch.cuh"
#include "kernels/pool2d.h"

namespace revive::kernels {

// The shape's sizes in the index type of the kernel.
template <class I>
struct Sizes {
  I H, W, P, Q;
  __device__ explicit Sizes(const Pool2dShape& s)
      : H(static_cast<I>(s.H)), W(static_cast<I>(s.W)), P(static_cast<I>(s.P)), Q(static_cast<I>(s.Q)) {}
};

template <class I>
static __global__ void max_pool2d_fwd_kernel(int64_t n, float* y, const float* x, Pool2dShape s, Pool2dParams p) {
  const Sizes<I> z(s);
  REVIVE_CUDA_KERNEL_LOOP_T(I, i, static_cast<I>(n)) {
    const I q = i % z.Q, op = (i / z.Q) % z.P, plane = i / (z.P * z.Q);
    const float* xp = x + plane * s.H * s.W;
    y[i] = xp[max_pool_argmax(xp, s.H, s.W, p.kernel, p.stride, p.pad, op, q)];
  }
}

template <class I>
static __global__ void avg_pool2d_fwd_kernel(int64_t n, float* y, const float* x, Pool2dShape s, Pool2dParams p,
                                             float scale) {
  const Sizes<I> z(s);
  REVIVE_CUDA_KERNEL_LOOP_T(I, i, static_cast<I>(n)) {
    const I q = i % z.Q, op = (i / z.Q) % z.P, plane = i / (z.P * z.Q);
    const float* xp = x + plane * s.H * s.W;
    const PoolWindow w = pool_window(s.H, s.W, p.kernel, p.stride, p.pad, op, q);
    float sum = 0.0f;
    for (int64_t r = w.r0; r < w.r1; ++r) {
      for (int64_t c = w.s0; c < w.s1; ++c) sum += xp[(w.h0 + r) * s.W + w.w0 + c];
    }
    y[i] = sum * scale;
  }
}

template <class I>
static __global__ void max_pool2d_bwd_kernel(int64_t n, float* dx, const float* dy, const float* x, Pool2dShape s,
                                             Pool2dParams p) {
  const Sizes<I> z(s);
  REVIVE_CUDA_KERNEL_LOOP_T(I, i, static_cast<I>(n)) {
    const I w = i % z.W, h = (i / z.W) % z.H, plane = i / (z.H * z.W);
    const float* xp = x + plane * s.H * s.W;
    const float* dyp = dy + plane * s.P * s.Q;
    const PoolRange rows = pool_windows_containing(h, z.P, p.kernel, p.stride, p.pad);
    const PoolRange cols = pool_windows_containing(w, z.Q, p.kernel, p.stride, p.pad);
    const int64_t self = h * s.W + w;
    float g = 0.0f;
    for (int64_t op = rows.first; op <= rows.last; ++op) {
      for (int64_t oq = cols.first; oq <= cols.last; ++oq) {
        if (max_pool_argmax(xp, s.H, s.W, p.kernel, p.stride, p.pad, op, oq) == self) g += dyp[op * s.Q + oq];
      }
    }
    dx[i] = g;
  }
}

template <class I>
static __global__ void avg_pool2d_bwd_kernel(int64_t n, float* dx, const float* dy, Pool2dShape s, Pool2dParams p,
                                             float scale) {
  const Sizes<I> z(s);
  REVIVE_CUDA_KERNEL_LOOP_T(I, i, static_cast<I>(n)) {
    const I w = i % z.W, h = (i / z.W) % z.H, plane = i / (z.H * z.W);
    const float* dyp = dy + plane * s.P * s.Q;
    const PoolRange rows = pool_windows_containing(h, z.P, p.kernel, p.stride, p.pad);
    const PoolRange cols = pool_windows_containing(w, z.Q, p.kernel, p.stride, p.pad);
    float g = 0.0f;
    for (int64_t op = rows.first; op <= rows.last; ++op) {
      // __fmul_rn keeps nvcc from fusing the product into the sum, which would round differently
      // from the CPU loop.
      for (int64_t oq = cols.first; oq <= cols.last; ++oq) g += __fmul_rn(dyp[op * s.Q + oq], scale);
    }
    dx[i] = g;
  }
}

static float avg_scale(const Pool2dParams& p) { return 1.0f / static_cast<float>(p.kernel * p.kernel); }

// Launches kernel<I>(n, args...), I chosen by the larger of the input and output tensors.
#define REVIVE_LAUNCH_POOL(kernel, s, n, ...)                                                   \
  cuda::with_index_type(std::max(s.N * s.C * s.H * s.W, s.N * s.C * s.P * s.Q), [&](auto index) { \
    cuda::launch_linear(kernel<decltype(index)>, n, __VA_ARGS__);                               \
  })

Tensor max_pool2d_forward_cuda(const Tensor& x, const Pool2dParams& p) {
  cuda::check_operand(x, "max_pool2d", "x");
  const Pool2dShape s = pool2d_shape(x.shape(), p);
  Tensor y = Tensor::empty({s.N, s.C, s.P, s.Q}, DType::kFloat32, x.device());
  REVIVE_LAUNCH_POOL(max_pool2d_fwd_kernel, s, y.numel(), y.data<float>(), x.data<float>(), s, p);
  return y;
}

Tensor max_pool2d_backward_cuda(const Tensor& dy, const Tensor& x, const Pool2dParams& p) {
  cuda::check_operand(dy, "max_pool2d backward", "dy");
  cuda::check_operand(x, "max_pool2d backward", "x");
  const Pool2dShape s = pool2d_shape(x.shape(), p);
  Tensor dx = Tensor::empty(x.shape(), DType::kFloat32, x.device());
  REVIVE_LAUNCH_POOL(max_pool2d_bwd_kernel, s, dx.numel(), dx.data<float>(), dy.data<float>(), x.data<float>(), s, p);
  return dx;
}

Tensor avg_pool2d_forward_cuda(const Tensor& x, const Pool2dParams& p) {
  cuda::check_operand(x, "avg_pool2d", "x");
  const Pool2dShape s = pool2d_shape(x.shape(), p);
  Tensor y = Tensor::empty({s.N, s.C, s.P, s.Q}, DType::kFloat32, x.device());
  REVIVE_LAUNCH_POOL(avg_pool2d_fwd_kernel, s, y.numel(), y.data<float>(), x.data<float>(), s, p, avg_scale(p));
  return y;
}

Tensor avg_pool2d_backward_cuda(const Tensor& dy, const Shape& x_shape, Layout x_layout, const Pool2dParams& p) {
  cuda::check_operand(dy, "avg_pool2d backward", "dy");
  cuda::check_plain_layout(x_layout, "avg_pool2d backward");
  const Pool2dShape s = pool2d_shape(x_shape, p);
  Tensor dx = Tensor::empty(x_shape, DType::kFloat32, dy.device());
  REVIVE_LAUNCH_POOL(avg_pool2d_bwd_kernel, s, dx.numel(), dx.data<float>(), dy.data<float>(), s, p, avg_scale(p));
  return dx;
}

}  // namespace revive::kernels
