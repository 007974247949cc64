#include "kernels/batch_norm.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/channel_blocks.h"
#include "kernels/layout.h"

namespace revive::kernels {
namespace {

using cpu::ChannelBlocks;

// s1[c] = sum (u - su[c]), s2[c] = sum (u - su[c]) (v - sv[c]) over (n, h, w). Shifts keep the
// sums small: the forward passes u = v = x and su = sv = a sample of each channel, so that
// var = s2/M - (s1/M)^2 does not cancel catastrophically when |mean| >> std. Runs of kRun values per
// channel are summed in T (vectorised), the run totals in double. Each thread sums a fixed range of
// planes and the partial sums are added in thread order: the result depends on the thread count
// only, not on scheduling. Arrays hold n_blocks * B channels.
template <class T, int B>
void reduce_channels(double* s1, double* s2, const T* u, const T* v, const T* su, const T* sv, const ChannelBlocks& g) {
  constexpr int64_t kRun = 32;
  const int64_t n_channels = g.n_blocks * B;
  const int n_threads = omp_get_max_threads();
  std::vector<double> partial(static_cast<size_t>(n_threads) * 2 * n_channels, 0.0);
#pragma omp parallel num_threads(n_threads)
  {
    double* p1 = partial.data() + static_cast<size_t>(omp_get_thread_num()) * 2 * n_channels;
    double* p2 = p1 + n_channels;
#pragma omp for schedule(static)
    for (int64_t plane = 0; plane < g.n_planes(); ++plane) {
      const int64_t c0 = (plane % g.n_blocks) * B;
      const T* pu = u + plane * g.HW * B;
      const T* pv = v + plane * g.HW * B;
      T mu[B], mv[B];
      for (int j = 0; j < B; ++j) {
        mu[j] = su[c0 + j];
        mv[j] = sv[c0 + j];
      }
      for (int64_t i0 = 0; i0 < g.HW; i0 += kRun) {
        const int64_t i1 = std::min(i0 + kRun, g.HW);
        T a[B] = {}, b[B] = {};
        if constexpr (B == 1) {
          T a0 = 0, b0 = 0;
#pragma omp simd reduction(+ : a0, b0)
          for (int64_t i = i0; i < i1; ++i) {
            a0 += pu[i] - mu[0];
            b0 += (pu[i] - mu[0]) * (pv[i] - mv[0]);
          }
          a[0] = a0;
          b[0] = b0;
        } else {
          for (int64_t i = i0; i < i1; ++i) {
#pragma omp simd
            for (int j = 0; j < B; ++j) {
              const T du = pu[i * B + j] - mu[j];
              a[j] += du;
              b[j] += du * (pv[i * B + j] - mv[j]);
            }
          }
        }
        for (int j = 0; j < B; ++j) {
          p1[c0 + j] += a[j];
          p2[c0 + j] += b[j];
        }
      }
    }
  }
  std::fill(s1, s1 + n_channels, 0.0);
  std::fill(s2, s2 + n_channels, 0.0);
  for (int t = 0; t < n_threads; ++t) {
    const double* p1 = partial.data() + static_cast<size_t>(t) * 2 * n_channels;
    for (int64_t c = 0; c < n_channels; ++c) {
      s1[c] += p1[c];
      s2[c] += p1[n_channels + c];
    }
  }
}

// out = a[c] u + b[c] v + d[c]; v == nullptr drops the middle term. Coefficients of padding
// channels are zero, so padding stays zero.
template <class T, int B>
void combine_channels(T* out, const T* u, const T* v, const T* a, const T* b, const T* d, const ChannelBlocks& g) {
#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < g.n_planes(); ++plane) {
    const int64_t c0 = (plane % g.n_blocks) * B, base = plane * g.HW * B;
    T* po = out + base;
    const T* pu = u + base;
    if (v == nullptr) {
      for (int64_t i = 0; i < g.HW; ++i) {
#pragma omp simd
        for (int j = 0; j < B; ++j) po[i * B + j] = a[c0 + j] * pu[i * B + j] + d[c0 + j];
      }
    } else {
      const T* pv = v + base;
      for (int64_t i = 0; i < g.HW; ++i) {
#pragma omp simd
        for (int j = 0; j < B; ++j) po[i * B + j] = a[c0 + j] * pu[i * B + j] + b[c0 + j] * pv[i * B + j] + d[c0 + j];
      }
    }
  }
}

// The B = 1 loops above run over one plane with scalar coefficients; spell that case out so the
// compiler vectorises along the plane rather than over a one-wide channel block.
template <class T>
void combine_channels_plain(T* out, const T* u, const T* v, const T* a, const T* b, const T* d, const ChannelBlocks& g) {
#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < g.n_planes(); ++plane) {
    const int64_t c = plane % g.n_blocks, base = plane * g.HW;
    T* po = out + base;
    const T* pu = u + base;
    const T ac = a[c], dc = d[c];
    if (v == nullptr) {
#pragma omp simd
      for (int64_t i = 0; i < g.HW; ++i) po[i] = ac * pu[i] + dc;
    } else {
      const T* pv = v + base;
      const T bc = b[c];
#pragma omp simd
      for (int64_t i = 0; i < g.HW; ++i) po[i] = ac * pu[i] + bc * pv[i] + dc;
    }
  }
}

template <class T, int B>
void combine(T* out, const T* u, const T* v, const T* a, const T* b, const T* d, const ChannelBlocks& g) {
  if constexpr (B == 1) {
    combine_channels_plain(out, u, v, a, b, d, g);
  } else {
    combine_channels<T, B>(out, u, v, a, b, d, g);
  }
}

template <class T, int B>
void forward_impl(T* y, T* mean, T* istd, const T* x, const T* gamma, const T* beta, T* running_mean, T* running_var,
                  int64_t N, int64_t C, int64_t HW, bool training, double momentum, double eps) {
  const ChannelBlocks g = cpu::channel_blocks<B>(N, C, HW);
  const int64_t n_channels = g.n_blocks * B;
  std::vector<double> m(n_channels, 0.0), var(n_channels, 0.0);
  if (training) {
    std::vector<T> pivot(n_channels, T(0));
    for (int64_t c = 0; c < C; ++c) pivot[c] = x[(c / B) * HW * B + c % B];  // x[0, c, 0, 0]
    reduce_channels<T, B>(m.data(), var.data(), x, x, pivot.data(), pivot.data(), g);
    const double M = static_cast<double>(N * HW);
    for (int64_t c = 0; c < C; ++c) {
      batch_norm_channel_stats(&m[c], &var[c], m[c], var[c], pivot[c], M,
                               running_mean != nullptr ? running_mean + c : nullptr,
                               running_var != nullptr ? running_var + c : nullptr, momentum);
    }
  } else {
    for (int64_t c = 0; c < C; ++c) {
      m[c] = running_mean[c];
      var[c] = running_var[c];
    }
  }
  std::vector<T> scale(n_channels, T(0)), shift(n_channels, T(0));
  for (int64_t c = 0; c < C; ++c) {
    batch_norm_channel_affine(&mean[c], &istd[c], &scale[c], &shift[c], m[c], var[c], gamma[c], beta[c], eps);
  }
  combine<T, B>(y, x, nullptr, scale.data(), nullptr, shift.data(), g);
}

template <class T, int B>
void backward_impl(T* dx, T* dgamma, T* dbeta, const T* dy, const T* x, const T* gamma, const T* mean, const T* istd,
                   int64_t N, int64_t C, int64_t HW, bool batch_stats) {
  const ChannelBlocks g = cpu::channel_blocks<B>(N, C, HW);
  const int64_t n_channels = g.n_blocks * B;
  std::vector<double> sum_dy(n_channels, 0.0), sum_dy_xmu(n_channels, 0.0);
  if (dgamma != nullptr || (dx != nullptr && batch_stats)) {
    std::vector<T> zero(n_channels, T(0)), shift(n_channels, T(0));
    std::copy(mean, mean + C, shift.begin());
    reduce_channels<T, B>(sum_dy.data(), sum_dy_xmu.data(), dy, x, zero.data(), shift.data(), g);
  }
  if (dgamma != nullptr) {
    for (int64_t c = 0; c < C; ++c) {
      dgamma[c] = static_cast<T>(sum_dy_xmu[c] * istd[c]);
      dbeta[c] = static_cast<T>(sum_dy[c]);
    }
  }
  if (dx == nullptr) return;
  // dx = a dy + b x + d, the batch-statistics formula of the header expanded per channel.
  std::vector<T> a(n_channels, T(0)), b(n_channels, T(0)), d(n_channels, T(0));
  const double M = static_cast<double>(N * HW);
  for (int64_t c = 0; c < C; ++c) {
    batch_norm_channel_dx_coeffs(&a[c], &b[c], &d[c], gamma[c], mean[c], istd[c], sum_dy[c], sum_dy_xmu[c], M,
                                 batch_stats);
  }
  combine<T, B>(dx, dy, batch_stats ? x : nullptr, a.data(), b.data(), d.data(), g);
}

}  // namespace

template <class T>
void batch_norm_forward_cpu(T* y, T* mean, T* istd, const T* x, const T* gamma, const T* beta, T* running_mean,
                            T* running_var, int64_t N, int64_t C, int64_t HW, bool training, double momentum,
                            double eps) {
  forward_impl<T, 1>(y, mean, istd, x, gamma, beta, running_mean, running_var, N, C, HW, training, momentum, eps);
}

template <class T>
void batch_norm_backward_cpu(T* dx, T* dgamma, T* dbeta, const T* dy, const T* x, const T* gamma, const T* mean,
                             const T* istd, int64_t N, int64_t C, int64_t HW, bool batch_stats) {
  backward_impl<T, 1>(dx, dgamma, dbeta, dy, x, gamma, mean, istd, N, C, HW, batch_stats);
}

#define REVIVE_INSTANTIATE(T)                                                                                  \
  template void batch_norm_forward_cpu<T>(T*, T*, T*, const T*, const T*, const T*, T*, T*, int64_t, int64_t, \
                                          int64_t, bool, double, double);                                       \
  template void batch_norm_backward_cpu<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*,       \
                                           int64_t, int64_t, int64_t, bool);
REVIVE_INSTANTIATE(float)
REVIVE_INSTANTIATE(double)
#undef REVIVE_INSTANTIATE

BatchNormForward batch_norm_forward_cpu(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                        const Tensor& running_mean, const Tensor& running_var, bool training,
                                        float momentum, float eps) {
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
  const bool update = running_mean.defined();
  BatchNormForward out{Tensor::empty(x.shape(), DType::kFloat32, Device::cpu(), x.layout()), Tensor::empty({C}),
                       Tensor::empty({C})};
  float* rm = update ? running_mean.data<float>() : nullptr;
  float* rv = update ? running_var.data<float>() : nullptr;
  cpu::with_block_size(x.layout(), [&](auto block) {
    forward_impl<float, decltype(block)::value>(out.y.data<float>(), out.mean.data<float>(), out.istd.data<float>(),
                                                x.data<float>(), gamma.data<float>(), beta.data<float>(), rm, rv, N,
                                                C, HW, training, momentum, eps);
  });
  return out;
}

BatchNormGrads batch_norm_backward_cpu(const Tensor& dy, const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                       const Tensor& istd, bool batch_stats, bool need_dx, bool need_dparams) {
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
  const Tensor g = to_layout(dy, x.layout());
  BatchNormGrads out;
  if (need_dx) out.dx = Tensor::empty(x.shape(), DType::kFloat32, Device::cpu(), x.layout());
  if (need_dparams) {
    out.dgamma = Tensor::empty({C});
    out.dbeta = Tensor::empty({C});
  }
  cpu::with_block_size(x.layout(), [&](auto block) {
    backward_impl<float, decltype(block)::value>(
        need_dx ? out.dx.data<float>() : nullptr, need_dparams ? out.dgamma.data<float>() : nullptr,
        need_dparams ? out.dbeta.data<float>() : nullptr, g.data<float>(), x.data<float>(), gamma.data<float>(),
        mean.data<float>(), istd.data<float>(), N, C, HW, batch_stats);
  });
  return out;
}

}  // namespace revive::kernels
