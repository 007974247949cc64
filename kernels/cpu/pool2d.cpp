#include "kernels/pool2d.h"

#include <algorithm>
#include <limits>

#include "kernels/cpu/channel_blocks.h"
#include "kernels/layout.h"

namespace revive::kernels {
namespace {

// Runs body(input offset, output offset) for every (image, channel block) plane in parallel; input
// planes hold H W B values, output planes P Q B. Planes are independent, so the backward's
// scattering into overlapping windows needs no atomics.
template <int B, class F>
void for_each_plane(const Pool2dShape& s, F body) {
  const int64_t n_planes = s.N * ((s.C + B - 1) / B);
#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < n_planes; ++plane) body(plane * s.H * s.W * B, plane * s.P * s.Q * B);
}

// Runs fn(output pixel, window) for every output pixel of a plane.
template <class F>
void for_each_window(const Pool2dShape& s, const Pool2dParams& p, F fn) {
  for (int64_t op = 0; op < s.P; ++op)
    for (int64_t oq = 0; oq < s.Q; ++oq) fn(op * s.Q + oq, pool_window(s.H, s.W, p.kernel, p.stride, p.pad, op, oq));
}

// Runs fn(input pixel) over a window's in-bounds pixels in row-major order.
template <class F>
void for_each_pixel(const PoolWindow& w, int64_t W, F fn) {
  for (int64_t r = w.r0; r < w.r1; ++r)
    for (int64_t c = w.s0; c < w.s1; ++c) fn((w.h0 + r) * W + w.w0 + c);
}

template <class T, int B>
void max_forward(T* y, const T* x, const Pool2dShape& s, const Pool2dParams& p) {
  for_each_plane<B>(s, [&](int64_t in, int64_t out) {
    const T* xp = x + in;
    T* yp = y + out;
    for_each_window(s, p, [&](int64_t o, const PoolWindow& w) {
      T best[B];
      std::fill(best, best + B, -std::numeric_limits<T>::infinity());
      for_each_pixel(w, s.W, [&](int64_t pixel) {
        const T* v = xp + pixel * B;
        for (int j = 0; j < B; ++j) best[j] = max_pool_takes(v[j], best[j]) ? v[j] : best[j];
      });
      std::copy(best, best + B, yp + o * B);
    });
  });
}

template <class T, int B>
void max_backward(T* dx, const T* dy, const T* x, const Pool2dShape& s, const Pool2dParams& p) {
  for_each_plane<B>(s, [&](int64_t in, int64_t out) {
    const T* xp = x + in;
    T* dxp = dx + in;
    const T* dyp = dy + out;
    std::fill(dxp, dxp + s.H * s.W * B, T(0));
    for_each_window(s, p, [&](int64_t o, const PoolWindow& w) {
      T best[B];
      int64_t arg[B];
      std::fill(best, best + B, -std::numeric_limits<T>::infinity());
      // A window of -inf only routes dy to its first pixel, as max_pool_argmax and PyTorch do.
      std::fill(arg, arg + B, (w.h0 + w.r0) * s.W + w.w0 + w.s0);
      for_each_pixel(w, s.W, [&](int64_t pixel) {
        for (int j = 0; j < B; ++j) {
          const T v = xp[pixel * B + j];
          if (max_pool_takes(v, best[j])) {
            best[j] = v;
            arg[j] = pixel;
          }
        }
      });
      for (int j = 0; j < B; ++j) dxp[arg[j] * B + j] += dyp[o * B + j];
    });
  });
}

template <class T, int B>
void avg_forward(T* y, const T* x, const Pool2dShape& s, const Pool2dParams& p) {
  const T scale = T(1) / static_cast<T>(p.kernel * p.kernel);
  for_each_plane<B>(s, [&](int64_t in, int64_t out) {
    const T* xp = x + in;
    T* yp = y + out;
    for_each_window(s, p, [&](int64_t o, const PoolWindow& w) {
      T sum[B] = {};
      for_each_pixel(w, s.W, [&](int64_t pixel) {
        const T* v = xp + pixel * B;
        for (int j = 0; j < B; ++j) sum[j] += v[j];
      });
      for (int j = 0; j < B; ++j) yp[o * B + j] = sum[j] * scale;
    });
  });
}

template <class T, int B>
void avg_backward(T* dx, const T* dy, const Pool2dShape& s, const Pool2dParams& p) {
  const T scale = T(1) / static_cast<T>(p.kernel * p.kernel);
  for_each_plane<B>(s, [&](int64_t in, int64_t out) {
    T* dxp = dx + in;
    const T* dyp = dy + out;
    std::fill(dxp, dxp + s.H * s.W * B, T(0));
    for_each_window(s, p, [&](int64_t o, const PoolWindow& w) {
      T g[B];
      for (int j = 0; j < B; ++j) g[j] = dyp[o * B + j] * scale;
      for_each_pixel(w, s.W, [&](int64_t pixel) {
        T* v = dxp + pixel * B;
        for (int j = 0; j < B; ++j) v[j] += g[j];
      });
    });
  });
}

Tensor empty_like_layout(const Shape& shape, Layout layout) {
  return Tensor::empty(shape, DType::kFloat32, Device::cpu(), layout);
}

}  // namespace

template <class T>
void max_pool2d_forward_cpu(T* y, const T* x, const Pool2dShape& s, const Pool2dParams& p) {
  max_forward<T, 1>(y, x, s, p);
}
template <class T>
void max_pool2d_backward_cpu(T* dx, const T* dy, const T* x, const Pool2dShape& s, const Pool2dParams& p) {
  max_backward<T, 1>(dx, dy, x, s, p);
}
template <class T>
void avg_pool2d_forward_cpu(T* y, const T* x, const Pool2dShape& s, const Pool2dParams& p) {
  avg_forward<T, 1>(y, x, s, p);
}
template <class T>
void avg_pool2d_backward_cpu(T* dx, const T* dy, const Pool2dShape& s, const Pool2dParams& p) {
  avg_backward<T, 1>(dx, dy, s, p);
}

#define REVIVE_INSTANTIATE(T)                                                                                   \
  template void max_pool2d_forward_cpu<T>(T*, const T*, const Pool2dShape&, const Pool2dParams&);              \
  template void max_pool2d_backward_cpu<T>(T*, const T*, const T*, const Pool2dShape&, const Pool2dParams&);   \
  template void avg_pool2d_forward_cpu<T>(T*, const T*, const Pool2dShape&, const Pool2dParams&);              \
  template void avg_pool2d_backward_cpu<T>(T*, const T*, const Pool2dShape&, const Pool2dParams&);
REVIVE_INSTANTIATE(float)
REVIVE_INSTANTIATE(double)
#undef REVIVE_INSTANTIATE

Tensor max_pool2d_forward_cpu(const Tensor& x, const Pool2dParams& p) {
  const Pool2dShape s = pool2d_shape(x.shape(), p);
  Tensor y = empty_like_layout({s.N, s.C, s.P, s.Q}, x.layout());
  cpu::with_block_size(x.layout(), [&](auto block) {
    max_forward<float, decltype(block)::value>(y.data<float>(), x.data<float>(), s, p);
  });
  return y;
}

Tensor max_pool2d_backward_cpu(const Tensor& dy, const Tensor& x, const Pool2dParams& p) {
  const Pool2dShape s = pool2d_shape(x.shape(), p);
  const Tensor g = to_layout(dy, x.layout());
  Tensor dx = empty_like_layout(x.shape(), x.layout());
  cpu::with_block_size(x.layout(), [&](auto block) {
    max_backward<float, decltype(block)::value>(dx.data<float>(), g.data<float>(), x.data<float>(), s, p);
  });
  return dx;
}

Tensor avg_pool2d_forward_cpu(const Tensor& x, const Pool2dParams& p) {
  const Pool2dShape s = pool2d_shape(x.shape(), p);
  Tensor y = empty_like_layout({s.N, s.C, s.P, s.Q}, x.layout());
  cpu::with_block_size(x.layout(), [&](auto block) {
    avg_forward<float, decltype(block)::value>(y.data<float>(), x.data<float>(), s, p);
  });
  return y;
}

Tensor avg_pool2d_backward_cpu(const Tensor& dy, const Shape& x_shape, Layout x_layout, const Pool2dParams& p) {
  const Pool2dShape s = pool2d_shape(x_shape, p);
  const Tensor g = to_layout(dy, x_layout);
  Tensor dx = empty_like_layout(x_shape, x_layout);
  cpu::with_block_size(x_layout, [&](auto block) {
    avg_backward<float, decltype(block)::value>(dx.data<float>(), g.data<float>(), s, p);
  });
  return dx;
}

}  // namespace revive::kernels
