#include "kernels/cpu/conv2d_winograd.h"

#include <omp.h>

#include <algorithm>

#include "kernels/cpu/avx2/cpu_features.h"
#include "kernels/cpu/avx2/winograd_tiles.h"
#include "kernels/cpu/avx512/cpu_features.h"
#include "kernels/cpu/avx512/winograd_tiles.h"

namespace revive::kernels::cpu {
namespace {

constexpr int64_t kPanel = 16;  // output channels of a transformed-weight panel (both ISAs' tiles)

// A thread transforms a whole image at a time: 2.1 MB for 64 channels at 32x32. Far larger images
// would want tiling within the image, which these small-image models never needed; they stay with
// oneDNN.
constexpr int64_t kMaxScratchFloats = int64_t{1} << 22;

// One ISA's tiles (avx2/ or avx512/winograd_tiles.h: the same functions, 8 or 16 channels a
// vector).
struct Tiles {
  bool (*supported)();
  int64_t block;  // channels per pixel of the ISA's blocked layout
  int64_t (*scratch_floats)(int64_t C, int64_t K, int64_t H, int64_t W);
  void (*image)(const float* x, const float* U, float* y, int64_t C, int64_t K, int64_t H, int64_t W, float* scratch);
  void (*weight_grad_image)(const float* x, const float* dy, float* dU, int64_t C, int64_t K, int64_t H, int64_t W,
                            float* scratch);
};

const Tiles& tiles(WinogradIsa isa) {
  static const Tiles avx2{avx2::cpu_has_avx2_fma, 8, avx2::winograd_scratch_floats, avx2::winograd_image,
                          avx2::winograd_weight_grad_image};
  static const Tiles avx512{avx512::cpu_has_avx512, 16, avx512::winograd_scratch_floats, avx512::winograd_image,
                            avx512::winograd_weight_grad_image};
  return isa == WinogradIsa::kAvx2 ? avx2 : avx512;
}

bool stride1_pad1_3x3(const Tiles& t, const Conv2dShape& s, const Conv2dParams& p) {
  return t.supported() && s.R == 3 && s.S == 3 && p.groups == 1 && p.stride_h == 1 && p.stride_w == 1 &&
         p.pad_h == 1 && p.pad_w == 1 && p.dilation_h == 1 && p.dilation_w == 1 &&
         t.scratch_floats(s.C, s.K, s.H, s.W) <= kMaxScratchFloats;
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
Tensor winograd(WinogradIsa isa, const Tensor& x, const Tensor& w, int64_t K, bool transpose_flip) {
  const Tiles& tl = tiles(isa);
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  Tensor y = Tensor::empty({N, K, H, W}, DType::kFloat32, Device::cpu(), winograd_layout(isa));
  Tensor U = Tensor::empty({16 * C * K});
  const int64_t per_thread = tl.scratch_floats(C, K, H, W);
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
      tl.image(xs + n * C * H * W, U.data<float>(), ys + n * K * H * W, C, K, H, W, mine);
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

Layout winograd_layout(WinogradIsa isa) { return isa == WinogradIsa::kAvx2 ? Layout::kBlocked8 : Layout::kBlocked16; }

bool winograd_applies(WinogradIsa isa, ConvPass pass, const Conv2dShape& s, const Conv2dParams& p, Layout in,
                      Layout out, bool bias) {
  const Tiles& t = tiles(isa);
  const Layout l = winograd_layout(isa);
  if (bias || in != l || out != l || !stride1_pad1_3x3(t, s, p)) return false;
  // The GEMMs take output channels (input channels for backward data) 16 at a time and read the
  // others whole blocks at a time.
  const int64_t inner = pass == ConvPass::kBackwardData ? s.K : s.C, outer = pass == ConvPass::kBackwardData ? s.C : s.K;
  return inner % t.block == 0 && outer % kPanel == 0;
}

Tensor winograd_forward(WinogradIsa isa, const Tensor& x, const Tensor& w) { return winograd(isa, x, w, w.dim(0), false); }

Tensor winograd_backward_data(WinogradIsa isa, const Tensor& dy, const Tensor& w) {
  return winograd(isa, dy, w, w.dim(1), true);
}

void winograd_backward_weights(WinogradIsa isa, Tensor& dw, const Tensor& x, const Tensor& dy) {
  const Tiles& tl = tiles(isa);
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), K = dw.dim(0);
  const int64_t per_thread = tl.scratch_floats(C, K, H, W), n_dU = 16 * C * K;
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
      tl.weight_grad_image(xs + n * C * H * W, gs + n * K * H * W, dU, C, K, H, W, mine);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n_dU; ++i)
      for (int u = 1; u < team; ++u) base[i] += base[u * n_dU + i];
    add_weight_grad(base, C, K, dw.data<float>());
  }
}

}  // namespace revive::kernels::cpu
