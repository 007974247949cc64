// batch_norm_forward_cuda / batch_norm_backward_cuda (kernels/batch_norm.h) on plain NCHW buffers.
//
// The CPU backend's three stages, as three kernels (no host round trip, no atomics):
//  1. batch_norm_reduce_kernel, grid (slices, C): block (s, c) sums (u - su[c]) and
//     (u - su[c]) (v - sv[c]) over slice s of channel c's N H W values (products in float, sums in
//     double) and writes the two partial sums. Forward: u = v = x, shifted by x[0, c, 0, 0] as the
//     CPU does (no cancellation when |mean| >> std). Backward: u = dy, v = x, sv = mean.
//  2. batch_norm_stats_kernel / batch_norm_grad_coeffs_kernel, a thread per channel: add the
//     slices in order, then batch_norm_channel_stats / _affine / _dx_coeffs (shared with the CPU).
//  3. batch_norm_apply_kernel: out = a[c] u + b[c] v + d[c] element-wise (v may be absent).
// A fused activation (kernels/batch_norm.h) applies to the forward's output; in the backward it
// masks u = dy in stages 1 and 3 by its gradient at bn_affine(scale[c], x, shift[c]).
// Stages 1 and 3 split flat indices into (n, c, hw) in 32 bits when the tensor allows
// (launch.cuh with_index_type).
#include <algorithm>

#include "kernels/batch_norm.h"
#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/launch.cuh"

namespace revive::kernels {

// Slices of a channel's M values: enough blocks to fill the GPU when C is small (early ResNet
// layers have 16 channels), each block still summing a few thousand values.
static int64_t reduce_slices(int64_t M) { return std::clamp<int64_t>((M + 4095) / 4096, 1, 128); }

// The mask of a fused activation's backward: u[i] is a gradient of act(ms[c] x[i] + md[c]).
struct DeviceMask {
  BnActivation act;
  const float* x;
  const float* ms;
  const float* md;
};

static __device__ float masked(const float* u, const DeviceMask& k, int64_t i, int64_t c) {
  return k.act == BnActivation::kNone ? u[i] : bn_activation_grad(k.act, u[i], bn_affine(k.ms[c], k.x[i], k.md[c]));
}

template <class I>
static __global__ void batch_norm_reduce_kernel(double* partial, const float* u, const float* v, const float* su,
                                                int64_t su_stride, const float* sv, int64_t sv_stride, I N, I C, I HW,
                                                I chunk, DeviceMask mask) {
  __shared__ double scratch[32];
  const I c = blockIdx.y, slice = blockIdx.x, M = N * HW;
  const float shift_u = su != nullptr ? su[c * su_stride] : 0.0f;
  const float shift_v = sv != nullptr ? sv[c * sv_stride] : 0.0f;
  const I end = M < (slice + 1) * chunk ? M : (slice + 1) * chunk;
  double s1 = 0.0, s2 = 0.0;
  for (I m = slice * chunk + threadIdx.x; m < end; m += blockDim.x) {
    const I i = ((m / HW) * C + c) * HW + m % HW;
    const float du = masked(u, mask, i, c) - shift_u;
    s1 += du;
    s2 += du * (v[i] - shift_v);
  }
  s1 = cuda::block_sum(s1, scratch);
  __syncthreads();
  s2 = cuda::block_sum(s2, scratch);
  if (threadIdx.x == 0) {
    partial[(c * gridDim.x + slice) * 2] = s1;
    partial[(c * gridDim.x + slice) * 2 + 1] = s2;
  }
}

// Adds channel c's slices in order.
static __device__ void sum_slices(double* s1, double* s2, const double* partial, int64_t c, int64_t slices) {
  *s1 = 0.0;
  *s2 = 0.0;
  for (int64_t s = 0; s < slices; ++s) {
    *s1 += partial[(c * slices + s) * 2];
    *s2 += partial[(c * slices + s) * 2 + 1];
  }
}

// training: statistics from the partial sums (and the running statistics updated when non-null);
// eval: from the running statistics.
static __global__ void batch_norm_stats_kernel(int64_t C, float* mean, float* istd, float* scale, float* shift,
                                               const double* partial, int64_t slices, const float* x, int64_t HW,
                                               double M, const float* gamma, const float* beta, float* running_mean,
                                               float* running_var, bool training, double momentum, double eps) {
  REVIVE_CUDA_KERNEL_LOOP(c, C) {
    double m = 0.0, var = 0.0;
    if (training) {
      double s1 = 0.0, s2 = 0.0;
      sum_slices(&s1, &s2, partial, c, slices);
      batch_norm_channel_stats(&m, &var, s1, s2, x[c * HW], M, running_mean != nullptr ? running_mean + c : nullptr,
                               running_var != nullptr ? running_var + c : nullptr, momentum);
    } else {
      m = running_mean[c];
      var = running_var[c];
    }
    batch_norm_channel_affine(mean + c, istd + c, scale + c, shift + c, m, var, gamma[c], beta[c], eps);
  }
}

// dgamma/dbeta (when non-null) and the dx coefficients a, b, d (when non-null) of each channel.
static __global__ void batch_norm_grad_coeffs_kernel(int64_t C, float* dgamma, float* dbeta, float* a, float* b,
                                                     float* d, const double* partial, int64_t slices,
                                                     const float* gamma, const float* mean, const float* istd,
                                                     double M, bool batch_stats) {
  REVIVE_CUDA_KERNEL_LOOP(c, C) {
    double sum_dy = 0.0, sum_dy_xmu = 0.0;
    if (partial != nullptr) sum_slices(&sum_dy, &sum_dy_xmu, partial, c, slices);
    if (dgamma != nullptr) {
      dgamma[c] = static_cast<float>(sum_dy_xmu * istd[c]);
      dbeta[c] = static_cast<float>(sum_dy);
    }
    if (a != nullptr) {
      batch_norm_channel_dx_coeffs(a + c, b + c, d + c, gamma[c], mean[c], istd[c], sum_dy, sum_dy_xmu, M,
                                   batch_stats);
    }
  }
}

// out = out_act(a[c] u + b[c] v + d[c]), u masked by `mask`.
template <class I>
static __global__ void batch_norm_apply_kernel(int64_t n, float* out, const float* u, const float* v, const float* a,
                                               const float* b, const float* d, I C, I HW, BnActivation out_act,
                                               DeviceMask mask) {
  REVIVE_CUDA_KERNEL_LOOP_T(I, i, static_cast<I>(n)) {
    const I c = (i / HW) % C;
    const float ui = masked(u, mask, i, c);
    out[i] = bn_activate(out_act, v == nullptr ? bn_affine(a[c], ui, d[c]) : a[c] * ui + b[c] * v[i] + d[c]);
  }
}

// Partial sums of (u, v) per (channel, slice) into a new buffer; su/sv as in the kernel.
static cuda::DeviceBuffer launch_batch_norm_reduce(const float* u, const float* v, const float* su, int64_t su_stride,
                                                   const float* sv, int64_t sv_stride, int64_t N, int64_t C,
                                                   int64_t HW, const DeviceMask& mask, int64_t* slices) {
  const int64_t M = N * HW;
  *slices = reduce_slices(M);
  const int64_t chunk = (M + *slices - 1) / *slices;
  cuda::DeviceBuffer partial(static_cast<size_t>(C * *slices * 2) * sizeof(double));
  const dim3 grid(static_cast<unsigned>(*slices), static_cast<unsigned>(C));
  cuda::with_index_type(N * C * HW, [&](auto index) {
    using I = decltype(index);
    batch_norm_reduce_kernel<I><<<grid, cuda::kBlock, 0, cuda::stream()>>>(
        partial.as<double>(), u, v, su, su_stride, sv, sv_stride, static_cast<I>(N), static_cast<I>(C),
        static_cast<I>(HW), static_cast<I>(chunk), mask);
  });
  REVIVE_CUDA_CHECK_LAUNCH();
  return partial;
}

// out = out_act(a[c] u + b[c] v + d[c]) over the n = N C HW elements (u masked by `mask`).
static void launch_batch_norm_apply(float* out, const float* u, const float* v, const float* a, const float* b,
                                    const float* d, int64_t n, int64_t C, int64_t HW, BnActivation out_act,
                                    const DeviceMask& mask) {
  cuda::with_index_type(n, [&](auto index) {
    using I = decltype(index);
    cuda::launch_linear(batch_norm_apply_kernel<I>, n, out, u, v, a, b, d, static_cast<I>(C), static_cast<I>(HW),
                        out_act, mask);
  });
}

BatchNormForward batch_norm_forward_cuda(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                         const Tensor& running_mean, const Tensor& running_var, bool training,
                                         float momentum, float eps, BnActivation act) {
  const char* op = "batch_norm";
  cuda::check_operand(x, op, "x");
  cuda::check_operand(gamma, op, "gamma");
  cuda::check_operand(beta, op, "beta");
  const bool update = running_mean.defined();
  if (update) {
    cuda::check_operand(running_mean, op, "running_mean");
    cuda::check_operand(running_var, op, "running_var");
  }
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
  REVIVE_CHECK(C <= 65535, op << ": " << C << " channels exceed the 65535 of a CUDA grid's second dimension");
  BatchNormForward out{Tensor::empty(x.shape(), DType::kFloat32, x.device()),
                       Tensor::empty({C}, DType::kFloat32, x.device()), Tensor::empty({C}, DType::kFloat32, x.device()),
                       Tensor::empty({C}, DType::kFloat32, x.device()), Tensor::empty({C}, DType::kFloat32, x.device())};
  if (C == 0) return out;
  const DeviceMask no_mask{BnActivation::kNone, nullptr, nullptr, nullptr};
  cuda::DeviceBuffer partial;
  int64_t slices = 0;
  if (training) {
    partial = launch_batch_norm_reduce(x.data<float>(), x.data<float>(), x.data<float>(), HW, x.data<float>(), HW, N,
                                       C, HW, no_mask, &slices);
  }
  float* scale = out.scale.data<float>();
  float* shift = out.shift.data<float>();
  cuda::launch_linear(batch_norm_stats_kernel, C, out.mean.data<float>(), out.istd.data<float>(), scale, shift,
                      partial.as<double>(), slices, x.data<float>(), HW, static_cast<double>(N * HW),
                      gamma.data<float>(), beta.data<float>(), update ? running_mean.data<float>() : nullptr,
                      update ? running_var.data<float>() : nullptr, training, static_cast<double>(momentum),
                      static_cast<double>(eps));
  launch_batch_norm_apply(out.y.data<float>(), x.data<float>(), nullptr, scale, nullptr, shift, x.numel(), C, HW, act,
                          no_mask);
  return out;
}

BatchNormGrads batch_norm_backward_cuda(const Tensor& dy, const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                        const Tensor& istd, bool batch_stats, bool need_dx, bool need_dparams,
                                        const BnFusedActivation& fused) {
  const char* op = "batch_norm backward";
  cuda::check_operand(dy, op, "dy");
  cuda::check_operand(x, op, "x");
  cuda::check_operand(gamma, op, "gamma");
  cuda::check_operand(mean, op, "mean");
  cuda::check_operand(istd, op, "istd");
  const bool act = fused.act != BnActivation::kNone;
  if (act) {
    cuda::check_operand(fused.scale, op, "scale");
    cuda::check_operand(fused.shift, op, "shift");
  }
  const DeviceMask mask{fused.act, x.data<float>(), act ? fused.scale.data<float>() : nullptr,
                        act ? fused.shift.data<float>() : nullptr};
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
  REVIVE_CHECK(C <= 65535, op << ": " << C << " channels exceed the 65535 of a CUDA grid's second dimension");
  BatchNormGrads out;
  if (need_dx) out.dx = Tensor::empty(x.shape(), DType::kFloat32, x.device());
  if (need_dparams) {
    out.dgamma = Tensor::empty({C}, DType::kFloat32, x.device());
    out.dbeta = Tensor::empty({C}, DType::kFloat32, x.device());
  }
  if (C == 0 || (!need_dx && !need_dparams)) return out;
  cuda::DeviceBuffer partial;
  int64_t slices = 0;
  if (need_dparams || batch_stats) {
    partial = launch_batch_norm_reduce(dy.data<float>(), x.data<float>(), nullptr, 0, mean.data<float>(), 1, N, C, HW,
                                       mask, &slices);
  }
  cuda::DeviceBuffer coeffs(need_dx ? static_cast<size_t>(3 * C) * sizeof(float) : 0);
  float* a = coeffs.as<float>();
  float* b = need_dx ? a + C : nullptr;
  float* d = need_dx ? a + 2 * C : nullptr;
  cuda::launch_linear(batch_norm_grad_coeffs_kernel, C, need_dparams ? out.dgamma.data<float>() : nullptr,
                      need_dparams ? out.dbeta.data<float>() : nullptr, a, b, d,
                      static_cast<const double*>(partial.as<double>()), slices, gamma.data<float>(),
                      mean.data<float>(), istd.data<float>(), static_cast<double>(N * HW), batch_stats);
  if (need_dx) {
    launch_batch_norm_apply(out.dx.data<float>(), dy.data<float>(), batch_stats ? x.data<float>() : nullptr, a, b, d,
                            x.numel(), C, HW, BnActivation::kNone, mask);
  }
  return out;
}

}  // namespace revive::kernels
