#include "kernels/cpu/conv2d_winograd.h"

#include <omp.h>

#include <algorithm>

#include "core/runtime_options.h"
#include "kernels/cpu/avx2/cpu_features.h"
#include "kernels/cpu/avx2/winograd_tiles.h"

namespace revive::kernels::cpu {
namespace {

constexpr int64_t kBlock = 8;   // Layout::kBlocked8
constexpr int64_t kPanel = 16;  // output channels of a transformed-weight panel (winograd_tiles.h)

// A thread transforms a whole image at a time: 2.1 MB for 64 channels at 32x32. Far larger images
// would want tiling within the image, which these small-image models never needed; they stay with
// oneDNN.
constexpr int64_t kMaxScratchFloats = int64_t{1} << 22;

bool disabled_by_environment() { return runtime_options().no_winograd; }

bool stride1_pad1_3x3(const Conv2dShape& s, const Conv2dParams& p) {
  return avx2::cpu_has_avx2_fma() && !disabled_by_environment() && s.R == 3 && s.S == 3 && p.groups == 1 &&
         p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 1 && p.pad_w == 1 && p.dilation_h == 1 &&
         p.dilation_w == 1 && s.N > 0 && avx2::winograd_scratch_floats(s.C, s.K, s.H, s.W) <= kMaxScratchFloats;
}

// U [K/16][16][C][16] = G g G^T for every filter g = w[k, c] (or w[c, k] with the taps reversed
// when `transpose_flip`: the backward data pass), for the output channels k of this thread's share.
// G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
void transform_weights(const float* w, int64_t C, int64_t K, bool transpose_flip, float* U) {
#pragma omp for schedule(static)
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t c = 0; c < C; ++c) {
      float g[3][3];
      for (int r = 0; r < 3; ++r)
        for (int s = 0; s < 3; ++s)
          g[r][s] = transpose_flip ? w[(c * K + k) * 9 + (2 - r) * 3 + (2 - s)] : w[(k * C + c) * 9 + r * 3 + s];
      float t[4][3];
      for (int s = 0; s < 3; ++s) {
        t[0][s] = g[0][s];
        t[1][s] = 0.5f * (g[0][s] + g[1][s] + g[2][s]);
        t[2][s] = 0.5f * (g[0][s] - g[1][s] + g[2][s]);
        t[3][s] = g[2][s];
      }
      float* u = U + ((k / kPanel) * 16 * C + c) * kPanel + k % kPanel;
      for (int r = 0; r < 4; ++r) {
        u[(r * 4 + 0) * C * kPanel] = t[r][0];
        u[(r * 4 + 1) * C * kPanel] = 0.5f * (t[r][0] + t[r][1] + t[r][2]);
        u[(r * 4 + 2) * C * kPanel] = 0.5f * (t[r][0] - t[r][1] + t[r][2]);
        u[(r * 4 + 3) * C * kPanel] = t[r][2];
      }
    }
  }
}

// y = conv(x, g) with C input and K output channels; g is w, or w transposed and flipped.
Tensor winograd(const Tensor& x, const Tensor& w, int64_t K, bool transpose_flip) {
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  Tensor y = Tensor::empty({N, K, H, W}, DType::kFloat32, Device::cpu(), Layout::kBlocked8);
  Tensor U = Tensor::empty({16 * C * K});
  const int64_t per_thread = avx2::winograd_scratch_floats(C, K, H, W);
  const int n_threads = omp_get_max_threads();
  Tensor scratch = Tensor::empty({n_threads * per_thread});
  const float* xs = x.data<float>();
  float* ys = y.data<float>();
#pragma omp parallel num_threads(n_threads)
  {
    transform_weights(w.data<float>(), C, K, transpose_flip, U.data<float>());
    float* mine = scratch.data<float>() + omp_get_thread_num() * per_thread;
#pragma omp for schedule(dynamic, 1)
    for (int64_t n = 0; n < N; ++n)
      avx2::winograd_image(xs + n * C * H * W, U.data<float>(), ys + n * K * H * W, C, K, H, W, mine);
  }
  return y;
}

// dw[k, c] += G^T dU[., c, k] G for every filter of this thread's share: the weight gradient from
// the gradient of the transformed weights (U = G g G^T is linear in g).
void add_weight_grad(const float* dU, int64_t C, int64_t K, float* dw) {
#pragma omp for schedule(static)
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t c = 0; c < C; ++c) {
      float u[4][4];
      for (int a = 0; a < 16; ++a) u[a / 4][a % 4] = dU[(a * C + c) * K + k];
      float t[4][3];
      for (int a = 0; a < 4; ++a) {
        t[a][0] = u[a][0] + 0.5f * (u[a][1] + u[a][2]);
        t[a][1] = 0.5f * (u[a][1] - u[a][2]);
        t[a][2] = 0.5f * (u[a][1] + u[a][2]) + u[a][3];
      }
      float* g = dw + (k * C + c) * 9;
      for (int s = 0; s < 3; ++s) {
        g[0 * 3 + s] += t[0][s] + 0.5f * (t[1][s] + t[2][s]);
        g[1 * 3 + s] += 0.5f * (t[1][s] - t[2][s]);
        g[2 * 3 + s] += 0.5f * (t[1][s] + t[2][s]) + t[3][s];
      }
    }
  }
}

}  // namespace

bool winograd_forward_applies(const Conv2dShape& s, const Conv2dParams& p, Layout x_layout, Layout y_layout,
                              bool bias) {
  return stride1_pad1_3x3(s, p) && !bias && x_layout == Layout::kBlocked8 && y_layout == Layout::kBlocked8 &&
         s.C % kBlock == 0 && s.K % kPanel == 0;
}

bool winograd_backward_data_applies(const Conv2dShape& s, const Conv2dParams& p, Layout dy_layout, Layout dx_layout) {
  return stride1_pad1_3x3(s, p) && dy_layout == Layout::kBlocked8 && dx_layout == Layout::kBlocked8 &&
         s.K % kBlock == 0 && s.C % kPanel == 0;
}

bool winograd_backward_weights_applies(const Conv2dShape& s, const Conv2dParams& p, Layout x_layout, Layout dy_layout,
                                       bool bias) {
  return winograd_forward_applies(s, p, x_layout, dy_layout, bias);
}

Tensor winograd_forward(const Tensor& x, const Tensor& w) { return winograd(x, w, w.dim(0), false); }

Tensor winograd_backward_data(const Tensor& dy, const Tensor& w) { return winograd(dy, w, w.dim(1), true); }

void winograd_backward_weights(Tensor& dw, const Tensor& x, const Tensor& dy) {
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), K = dw.dim(0);
  const int64_t per_thread = avx2::winograd_scratch_floats(C, K, H, W), n_dU = 16 * C * K;
  const int n_threads = omp_get_max_threads();
  Tensor scratch = Tensor::empty({n_threads * (per_thread + n_dU)});
  float* base = scratch.data<float>();
  const float* xs = x.data<float>();
  const float* gs = dy.data<float>();
#pragma omp parallel num_threads(n_threads)
  {
    // The team may be smaller than asked (inside another parallel region): only its partial sums
    // exist.
    const int t = omp_get_thread_num(), team = omp_get_num_threads();
    float* dU = base + t * n_dU;
    std::fill(dU, dU + n_dU, 0.0f);
    float* mine = base + n_threads * n_dU + t * per_thread;
    // A static split, and the partial sums added in thread order below: the result depends on the
    // thread count only.
#pragma omp for schedule(static)
    for (int64_t n = 0; n < N; ++n)
      avx2::winograd_weight_grad_image(xs + n * C * H * W, gs + n * K * H * W, dU, C, K, H, W, mine);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n_dU; ++i)
      for (int u = 1; u < team; ++u) base[i] += base[u * n_dU + i];
    add_weight_grad(base, C, K, dw.data<float>());
  }
}

}  // namespace revive::kernels::cpu

namespace revive::kernels {

std::string cpu_conv3x3_route() {
  if (cpu::disabled_by_environment()) return "oneDNN direct (REVIVE_NO_WINOGRAD=1)";
  if (!cpu::avx2::cpu_has_avx2_fma()) return "oneDNN direct (no AVX2/FMA on this CPU)";
  return "Winograd F(2x2, 3x3) on blocked activations where it applies, else oneDNN direct";
}

}  // namespace revive::kernels
