#include "kernels/batch_norm.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/avx512/batch_norm_planes.h"
#include "kernels/cpu/avx512/cpu_features.h"
#include "kernels/cpu/channel_blocks.h"
#include "kernels/layout.h"

namespace revive::kernels {
namespace {

using cpu::ChannelBlocks;

template <BnActivation A>
using ActivationTag = std::integral_constant<BnActivation, A>;

// Calls f(ActivationTag<act>{}), so that the loops below compile once per activation and the
// activation-free ones stay as they were.
template <class F>
void with_activation(BnActivation act, F&& f) {
  switch (act) {
    case BnActivation::kNone: f(ActivationTag<BnActivation::kNone>{}); return;
    case BnActivation::kRelu: f(ActivationTag<BnActivation::kRelu>{}); return;
    case BnActivation::kRelu6: f(ActivationTag<BnActivation::kRelu6>{}); return;
  }
  REVIVE_THROW("unknown batch-norm activation " << static_cast<int>(act));
}

// A fused activation's backward mask: u[i] is a gradient of act(ms[c] m[i] + md[c]).
template <class T>
struct Mask {
  const T* m;
  const T* ms;
  const T* md;
};

// u[i] as the loops read it: with A, masked by act's gradient at element i's pre-activation.
template <BnActivation A, class T>
inline T masked(const T* u, const Mask<T>& k, int64_t i, int64_t c) {
  if constexpr (A == BnActivation::kNone) {
    return u[i];
  } else {
    return bn_activation_grad(A, u[i], bn_affine(k.ms[c], k.m[i], k.md[c]));
  }
}

// The mask of one plane (base: its first element, c0: its first channel); none without A, where
// the pointers may be null.
template <BnActivation A, class T>
Mask<T> plane_mask(const Mask<T>& k, int64_t base, int64_t c0) {
  if constexpr (A == BnActivation::kNone) {
    return {};
  } else {
    return {k.m + base, k.ms + c0, k.md + c0};
  }
}

// The 16-channel float planes run in AVX-512 where the CPU has it (same bits:
// avx512/batch_norm_planes.h).
template <class T, int B>
bool planes_in_avx512() {
  if constexpr (B == 16 && std::is_same_v<T, float>) {
    return cpu::avx512::cpu_has_avx512();
  } else {
    return false;
  }
}

template <BnActivation A, class T>
cpu::avx512::PlaneMask avx512_mask(const Mask<T>& pk) {
  if constexpr (A == BnActivation::kNone || !std::is_same_v<T, float>) {
    return {};
  } else {
    return {static_cast<int>(A), pk.m, pk.ms, pk.md};
  }
}

// s1[c] = sum (u - su[c]), s2[c] = sum (u - su[c]) (v - sv[c]) over (n, h, w), u masked as above.
// Shifts keep the sums small: the forward passes u = v = x and su = sv = a sample of each channel,
// so that var = s2/M - (s1/M)^2 does not cancel catastrophically when |mean| >> std. Runs of kRun
// values per channel are summed in T (vectorised), the run totals in double. Each thread sums a
// fixed range of planes and the partial sums are added in thread order: the result depends on the
// thread count only, not on scheduling. Arrays hold n_blocks * B channels.
template <class T, int B, BnActivation A = BnActivation::kNone>
void reduce_channels(double* s1, double* s2, const T* u, const T* v, const T* su, const T* sv, const ChannelBlocks& g,
                     const Mask<T>& mask = {}) {
  constexpr int64_t kRun = 32;
  const int64_t n_channels = g.n_blocks * B;
  const int n_threads = omp_get_max_threads();
  std::vector<double> partial(static_cast<size_t>(n_threads) * 2 * n_channels, 0.0);
  const bool avx512 = planes_in_avx512<T, B>();
#pragma omp parallel num_threads(n_threads)
  {
    double* p1 = partial.data() + static_cast<size_t>(omp_get_thread_num()) * 2 * n_channels;
    double* p2 = p1 + n_channels;
#pragma omp for schedule(static)
    for (int64_t plane = 0; plane < g.n_planes(); ++plane) {
      const int64_t c0 = (plane % g.n_blocks) * B;
      const T* pu = u + plane * g.HW * B;
      const T* pv = v + plane * g.HW * B;
      const Mask<T> pk = plane_mask<A>(mask, plane * g.HW * B, c0);
      if constexpr (std::is_same_v<T, float>) {
        if (avx512) {
          cpu::avx512::bn_reduce_plane16(p1 + c0, p2 + c0, pu, pv, su + c0, sv + c0, g.HW, avx512_mask<A>(pk));
          continue;
        }
      }
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
            const T du = masked<A>(pu, pk, i, 0) - mu[0];
            a0 += du;
            b0 += du * (pv[i] - mv[0]);
          }
          a[0] = a0;
          b[0] = b0;
        } else {
          for (int64_t i = i0; i < i1; ++i) {
#pragma omp simd
            for (int j = 0; j < B; ++j) {
              const T du = masked<A>(pu, pk, i * B + j, j) - mu[j];
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

// out = act(a[c] u + b[c] v + d[c]), u masked by InA (see masked); v == nullptr drops the middle
// term. Coefficients of padding channels are zero, so padding stays zero.
template <class T, int B, BnActivation OutA, BnActivation InA>
void combine_channels(T* out, const T* u, const T* v, const T* a, const T* b, const T* d, const ChannelBlocks& g,
                      const Mask<T>& mask) {
  const bool avx512 = planes_in_avx512<T, B>();
#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < g.n_planes(); ++plane) {
    const int64_t c0 = (plane % g.n_blocks) * B, base = plane * g.HW * B;
    T* po = out + base;
    const T* pu = u + base;
    const Mask<T> pk = plane_mask<InA>(mask, base, c0);
    if constexpr (std::is_same_v<T, float>) {
      if (avx512) {
        cpu::avx512::bn_combine_plane16(po, pu, v == nullptr ? nullptr : v + base, a + c0,
                                        v == nullptr ? nullptr : b + c0, d + c0, g.HW, static_cast<int>(OutA),
                                        avx512_mask<InA>(pk));
        continue;
      }
    }
    if (v == nullptr) {
      for (int64_t i = 0; i < g.HW; ++i) {
#pragma omp simd
        for (int j = 0; j < B; ++j) {
          po[i * B + j] = bn_activate(OutA, bn_affine(a[c0 + j], masked<InA>(pu, pk, i * B + j, j), d[c0 + j]));
        }
      }
    } else {
      const T* pv = v + base;
      for (int64_t i = 0; i < g.HW; ++i) {
#pragma omp simd
        for (int j = 0; j < B; ++j) {
          po[i * B + j] = bn_activate(
              OutA, a[c0 + j] * masked<InA>(pu, pk, i * B + j, j) + b[c0 + j] * pv[i * B + j] + d[c0 + j]);
        }
      }
    }
  }
}

// The B = 1 loops above run over one plane with scalar coefficients; spell that case out so the
// compiler vectorises along the plane rather than over a one-wide channel block.
template <class T, BnActivation OutA, BnActivation InA>
void combine_channels_plain(T* out, const T* u, const T* v, const T* a, const T* b, const T* d,
                            const ChannelBlocks& g, const Mask<T>& mask) {
#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < g.n_planes(); ++plane) {
    const int64_t c = plane % g.n_blocks, base = plane * g.HW;
    T* po = out + base;
    const T* pu = u + base;
    const Mask<T> pk = plane_mask<InA>(mask, base, c);
    const T ac = a[c], dc = d[c];
    if (v == nullptr) {
#pragma omp simd
      for (int64_t i = 0; i < g.HW; ++i) po[i] = bn_activate(OutA, bn_affine(ac, masked<InA>(pu, pk, i, 0), dc));
    } else {
      const T* pv = v + base;
      const T bc = b[c];
#pragma omp simd
      for (int64_t i = 0; i < g.HW; ++i) {
        po[i] = bn_activate(OutA, ac * masked<InA>(pu, pk, i, 0) + bc * pv[i] + dc);
      }
    }
  }
}

template <class T, int B, BnActivation OutA = BnActivation::kNone, BnActivation InA = BnActivation::kNone>
void combine(T* out, const T* u, const T* v, const T* a, const T* b, const T* d, const ChannelBlocks& g,
             const Mask<T>& mask = {}) {
  if constexpr (B == 1) {
    combine_channels_plain<T, OutA, InA>(out, u, v, a, b, d, g, mask);
  } else {
    combine_channels<T, B, OutA, InA>(out, u, v, a, b, d, g, mask);
  }
}

// scale_out and shift_out, when non-null, receive y's coefficients.
template <class T, int B, BnActivation A>
void forward_impl(T* y, T* mean, T* istd, const T* x, const T* gamma, const T* beta, T* running_mean, T* running_var,
                  int64_t N, int64_t C, int64_t HW, bool training, double momentum, double eps, T* scale_out,
                  T* shift_out) {
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
  if (scale_out != nullptr) std::copy(scale.begin(), scale.begin() + C, scale_out);
  if (shift_out != nullptr) std::copy(shift.begin(), shift.begin() + C, shift_out);
  combine<T, B, A>(y, x, nullptr, scale.data(), nullptr, shift.data(), g);
}

// With A, dy is masked by the activation's gradient at bn_affine(scale, x, shift) in both passes.
template <class T, int B, BnActivation A>
void backward_impl(T* dx, T* dgamma, T* dbeta, const T* dy, const T* x, const T* gamma, const T* mean, const T* istd,
                   int64_t N, int64_t C, int64_t HW, bool batch_stats, const T* scale, const T* shift) {
  const ChannelBlocks g = cpu::channel_blocks<B>(N, C, HW);
  const int64_t n_channels = g.n_blocks * B;
  // Padded to whole blocks, as the loops index them.
  std::vector<T> ms(n_channels, T(0)), md(n_channels, T(0));
  if constexpr (A != BnActivation::kNone) {
    std::copy(scale, scale + C, ms.begin());
    std::copy(shift, shift + C, md.begin());
  }
  const Mask<T> mask{x, ms.data(), md.data()};
  std::vector<double> sum_dy(n_channels, 0.0), sum_dy_xmu(n_channels, 0.0);
  if (dgamma != nullptr || (dx != nullptr && batch_stats)) {
    std::vector<T> zero(n_channels, T(0)), xshift(n_channels, T(0));
    std::copy(mean, mean + C, xshift.begin());
    reduce_channels<T, B, A>(sum_dy.data(), sum_dy_xmu.data(), dy, x, zero.data(), xshift.data(), g, mask);
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
  combine<T, B, BnActivation::kNone, A>(dx, dy, batch_stats ? x : nullptr, a.data(), b.data(), d.data(), g, mask);
}

}  // namespace

template <class T>
void batch_norm_forward_cpu(T* y, T* mean, T* istd, const T* x, const T* gamma, const T* beta, T* running_mean,
                            T* running_var, int64_t N, int64_t C, int64_t HW, bool training, double momentum,
                            double eps, BnActivation act, T* scale, T* shift) {
  with_activation(act, [&](auto a) {
    forward_impl<T, 1, decltype(a)::value>(y, mean, istd, x, gamma, beta, running_mean, running_var, N, C, HW,
                                           training, momentum, eps, scale, shift);
  });
}

template <class T>
void batch_norm_backward_cpu(T* dx, T* dgamma, T* dbeta, const T* dy, const T* x, const T* gamma, const T* mean,
                             const T* istd, int64_t N, int64_t C, int64_t HW, bool batch_stats, BnActivation act,
                             const T* scale, const T* shift) {
  REVIVE_CHECK(act == BnActivation::kNone || (scale != nullptr && shift != nullptr),
               "batch_norm backward: a fused activation needs the forward's scale and shift");
  with_activation(act, [&](auto a) {
    backward_impl<T, 1, decltype(a)::value>(dx, dgamma, dbeta, dy, x, gamma, mean, istd, N, C, HW, batch_stats,
                                            scale, shift);
  });
}

#define REVIVE_INSTANTIATE(T)                                                                                  \
  template void batch_norm_forward_cpu<T>(T*, T*, T*, const T*, const T*, const T*, T*, T*, int64_t, int64_t, \
                                          int64_t, bool, double, double, BnActivation, T*, T*);                 \
  template void batch_norm_backward_cpu<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*,       \
                                           int64_t, int64_t, int64_t, bool, BnActivation, const T*, const T*);
REVIVE_INSTANTIATE(float)
REVIVE_INSTANTIATE(double)
#undef REVIVE_INSTANTIATE

BatchNormForward batch_norm_forward_cpu(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                        const Tensor& running_mean, const Tensor& running_var, bool training,
                                        float momentum, float eps, BnActivation act) {
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
  const bool update = running_mean.defined();
  BatchNormForward out{Tensor::empty(x.shape(), DType::kFloat32, Device::cpu(), x.layout()), Tensor::empty({C}),
                       Tensor::empty({C}), Tensor::empty({C}), Tensor::empty({C})};
  float* rm = update ? running_mean.data<float>() : nullptr;
  float* rv = update ? running_var.data<float>() : nullptr;
  cpu::with_block_size(x.layout(), [&](auto block) {
    with_activation(act, [&](auto a) {
      forward_impl<float, decltype(block)::value, decltype(a)::value>(
          out.y.data<float>(), out.mean.data<float>(), out.istd.data<float>(), x.data<float>(), gamma.data<float>(),
          beta.data<float>(), rm, rv, N, C, HW, training, momentum, eps, out.scale.data<float>(),
          out.shift.data<float>());
    });
  });
  return out;
}

BatchNormGrads batch_norm_backward_cpu(const Tensor& dy, const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                       const Tensor& istd, bool batch_stats, bool need_dx, bool need_dparams,
                                       const BnFusedActivation& fused) {
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
  const Tensor g = to_layout(dy, x.layout());
  BatchNormGrads out;
  if (need_dx) out.dx = Tensor::empty(x.shape(), DType::kFloat32, Device::cpu(), x.layout());
  if (need_dparams) {
    out.dgamma = Tensor::empty({C});
    out.dbeta = Tensor::empty({C});
  }
  const bool act = fused.act != BnActivation::kNone;
  cpu::with_block_size(x.layout(), [&](auto block) {
    with_activation(fused.act, [&](auto a) {
      backward_impl<float, decltype(block)::value, decltype(a)::value>(
          need_dx ? out.dx.data<float>() : nullptr, need_dparams ? out.dgamma.data<float>() : nullptr,
          need_dparams ? out.dbeta.data<float>() : nullptr, g.data<float>(), x.data<float>(), gamma.data<float>(),
          mean.data<float>(), istd.data<float>(), N, C, HW, batch_stats, act ? fused.scale.data<float>() : nullptr,
          act ? fused.shift.data<float>() : nullptr);
    });
  });
  return out;
}

}  // namespace revive::kernels
