// Shape validation and the plain-loop reference convolution (kernels/conv2d.h): the spec the
// oneDNN path is tested against and the function the double-precision gradient checks run on.
#include "kernels/conv2d.h"

#include <algorithm>

namespace revive::kernels {

Conv2dShape conv2d_shape(const Shape& x, const Shape& w, const Conv2dParams& p) {
  REVIVE_CHECK(x.size() == 4, "conv2d input must be 4-D [N, C, H, W], got " << shape_str(x));
  REVIVE_CHECK(w.size() == 4, "conv2d weight must be 4-D [K, C/groups, R, S], got " << shape_str(w));
  REVIVE_CHECK(p.stride_h >= 1 && p.stride_w >= 1,
               "conv2d strides must be >= 1, got " << p.stride_h << "x" << p.stride_w);
  REVIVE_CHECK(p.pad_h >= 0 && p.pad_w >= 0, "conv2d padding must be >= 0, got " << p.pad_h << "x" << p.pad_w);
  REVIVE_CHECK(p.dilation_h >= 1 && p.dilation_w >= 1,
               "conv2d dilation must be >= 1, got " << p.dilation_h << "x" << p.dilation_w);
  REVIVE_CHECK(p.groups >= 1, "conv2d groups must be >= 1, got " << p.groups);
  Conv2dShape s{x[0], x[1], x[2], x[3], w[0], w[2], w[3], 0, 0};
  REVIVE_CHECK(s.N >= 0 && s.H >= 1 && s.W >= 1,
               "conv2d input " << shape_str(x) << " needs N >= 0 and H, W >= 1");
  REVIVE_CHECK(s.C >= 1 && s.C % p.groups == 0,
               "conv2d input channels C = " << s.C << " must be a positive multiple of groups = " << p.groups);
  REVIVE_CHECK(s.K >= 1 && s.K % p.groups == 0, "conv2d output channels K = w.shape[0] = "
                                                    << s.K << " must be a positive multiple of groups = " << p.groups);
  REVIVE_CHECK(w[1] == s.C / p.groups, "conv2d weight " << shape_str(w) << " has " << w[1]
                                                        << " input channels per filter; expected C/groups = "
                                                        << s.C / p.groups << " for input " << shape_str(x));
  REVIVE_CHECK(s.R >= 1 && s.S >= 1, "conv2d kernel must be at least 1x1, got " << s.R << "x" << s.S);
  const int64_t span_h = s.H + 2 * p.pad_h - static_cast<int64_t>(p.dilation_h) * (s.R - 1) - 1;
  const int64_t span_w = s.W + 2 * p.pad_w - static_cast<int64_t>(p.dilation_w) * (s.S - 1) - 1;
  REVIVE_CHECK(span_h >= 0 && span_w >= 0,
               "conv2d input " << s.H << "x" << s.W << " padded by " << p.pad_h << "x" << p.pad_w
                               << " is smaller than the " << s.R << "x" << s.S << " kernel dilated by "
                               << p.dilation_h << "x" << p.dilation_w << ": the output would be empty");
  s.P = span_h / p.stride_h + 1;
  s.Q = span_w / p.stride_w + 1;
  return s;
}

namespace {

// Calls fn(y_index, x_index, w_index) for every multiply-add of the convolution, skipping taps
// that fall into the padding. Indices are into plain NCHW / KCRS buffers.
template <class Fn>
void for_each_tap(const Conv2dShape& s, const Conv2dParams& p, Fn&& fn) {
  const int64_t Cg = s.C / p.groups, Kg = s.K / p.groups;
  for (int64_t n = 0; n < s.N; ++n) {
    for (int64_t k = 0; k < s.K; ++k) {
      const int64_t c0 = k / Kg * Cg;
      for (int64_t oh = 0; oh < s.P; ++oh) {
        for (int64_t ow = 0; ow < s.Q; ++ow) {
          const int64_t yi = ((n * s.K + k) * s.P + oh) * s.Q + ow;
          for (int64_t c = 0; c < Cg; ++c) {
            for (int64_t r = 0; r < s.R; ++r) {
              const int64_t ih = oh * p.stride_h - p.pad_h + r * p.dilation_h;
              if (ih < 0 || ih >= s.H) continue;
              for (int64_t q = 0; q < s.S; ++q) {
                const int64_t iw = ow * p.stride_w - p.pad_w + q * p.dilation_w;
                if (iw < 0 || iw >= s.W) continue;
                fn(yi, ((n * s.C + c0 + c) * s.H + ih) * s.W + iw, ((k * Cg + c) * s.R + r) * s.S + q);
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

template <class T>
void conv2d_forward_ref(T* y, const T* x, const T* w, const T* b, const Conv2dShape& s, const Conv2dParams& p) {
  const int64_t plane = s.P * s.Q;
  for (int64_t nk = 0; nk < s.N * s.K; ++nk) std::fill(y + nk * plane, y + (nk + 1) * plane, b ? b[nk % s.K] : T(0));
  for_each_tap(s, p, [&](int64_t yi, int64_t xi, int64_t wi) { y[yi] += x[xi] * w[wi]; });
}

template <class T>
void conv2d_backward_data_ref(T* dx, const T* dy, const T* w, const Conv2dShape& s, const Conv2dParams& p) {
  std::fill(dx, dx + s.N * s.C * s.H * s.W, T(0));
  for_each_tap(s, p, [&](int64_t yi, int64_t xi, int64_t wi) { dx[xi] += dy[yi] * w[wi]; });
}

template <class T>
void conv2d_backward_weights_ref(T* dw, T* db, const T* x, const T* dy, const Conv2dShape& s, const Conv2dParams& p) {
  for_each_tap(s, p, [&](int64_t yi, int64_t xi, int64_t wi) { dw[wi] += x[xi] * dy[yi]; });
  if (!db) return;
  const int64_t plane = s.P * s.Q;
  for (int64_t nk = 0; nk < s.N * s.K; ++nk) {
    for (int64_t i = 0; i < plane; ++i) db[nk % s.K] += dy[nk * plane + i];
  }
}

#define REVIVE_INSTANTIATE_CONV2D_REF(T)                                                                       \
  template void conv2d_forward_ref<T>(T*, const T*, const T*, const T*, const Conv2dShape&, const Conv2dParams&); \
  template void conv2d_backward_data_ref<T>(T*, const T*, const T*, const Conv2dShape&, const Conv2dParams&);     \
  template void conv2d_backward_weights_ref<T>(T*, T*, const T*, const T*, const Conv2dShape&, const Conv2dParams&);
REVIVE_INSTANTIATE_CONV2D_REF(float)
REVIVE_INSTANTIATE_CONV2D_REF(double)
#undef REVIVE_INSTANTIATE_CONV2D_REF

}  // namespace revive::kernels
