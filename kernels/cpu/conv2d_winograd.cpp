#include "kernels/cpu/conv2d_winograd.h"

#include <omp.h>

#include <algorithm>

#include "kernels/cpu/avx2/cpu_features.h"
#include "kernels/cpu/avx2/winograd_tiles.h"
#include "kernels/cpu/avx512/cpu_features.h"
#include "kernels/cpu/avx512/winograd_f4_tiles.h"
#include "kernels/cpu/avx512/winograd_tiles.h"

namespace revive::kernels::cpu {
namespace {

constexpr int64_t kPanel = 16;  // output channels of a transformed-weight panel (both ISAs' tiles)

// A thread transforms a whole image at a time: 2.1 MB for 64 channels at 32x32. Far larger images
// would want tiling within the image, which these small-image models never needed; they stay with
// oneDNN.
constexpr int64_t kMaxScratchFloats = int64_t{1} << 22;

// One build of the tiles: avx2/ or avx512/winograd_tiles.h (F(2x2, 3x3), the same functions, 8
// or 16 channels a vector) or avx512/winograd_f4_tiles.h (F(4x4, 3x3)).
struct Tiles {
  bool (*supported)();
  int64_t block;                  // channels per pixel of the blocked layout
  const double (*G)[3];           // the weight transform G, `side` x 3
  int64_t side;                   // of a transformed tile: `side` x `side` positions
  int64_t (*scratch_floats)(int64_t C, int64_t K, int64_t H, int64_t W);
  void (*image)(const float* x, const float* U, float* y, int64_t C, int64_t K, int64_t H, int64_t W, float* scratch);
  void (*weight_grad_image)(const float* x, const float* dy, float* dU, int64_t C, int64_t K, int64_t H, int64_t W,
                            float* scratch);
};

constexpr double kG2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
constexpr double kG4[6][3] = {{1.0 / 4, 0, 0},
                              {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                              {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                              {1.0 / 24, 1.0 / 12, 1.0 / 6},
                              {1.0 / 24, -1.0 / 12, 1.0 / 6},
                              {0, 0, 1}};

const Tiles& tiles(WinogradTiles kind) {
  static const Tiles f2_avx2{avx2::cpu_has_avx2_fma,  8, kG2, 4, avx2::winograd_scratch_floats, avx2::winograd_image,
                             avx2::winograd_weight_grad_image};
  static const Tiles f2_avx512{avx512::cpu_has_avx512,         16, kG2, 4, avx512::winograd_scratch_floats,
                               avx512::winograd_image,         avx512::winograd_weight_grad_image};
  static const Tiles f4_avx512{avx512::cpu_has_avx512, 16, kG4, 6, avx512::winograd_f4_scratch_floats,
                               avx512::winograd_f4_image, avx512::winograd_f4_weight_grad_image};
  switch (kind) {
    case WinogradTiles::kF2Avx2: return f2_avx2;
    case WinogradTiles::kF2Avx512: return f2_avx512;
    case WinogradTiles::kF4Avx512: break;
  }
  return f4_avx512;
}

bool stride1_pad1_3x3(const Tiles& t, const Conv2dShape& s, const Conv2dParams& p) {
  return t.supported() && s.R == 3 && s.S == 3 && p.groups == 1 && p.stride_h == 1 && p.stride_w == 1 &&
         p.pad_h == 1 && p.pad_w == 1 && p.dilation_h == 1 && p.dilation_w == 1 &&
         t.scratch_floats(s.C, s.K, s.H, s.W) <= kMaxScratchFloats;
}

// U [K/16][P][C][16] = G g G^T for every filter g = w[k, c] (or w[c, k] with the taps reversed
// when `transpose_flip`: the backward data pass), shared among the team by (panel, input channel);
// P = side^2 positions. In double, rounded once: F(4x4, 3x3)'s G has thirds in it. A panel's 16
// filters of one input channel are transformed together so that each position's 16 results are one
// contiguous store: filter by filter, they were 16 scattered stores C * 64 bytes apart.
void transform_weights(const Tiles& tl, const float* w, int64_t C, int64_t K, bool transpose_flip, float* U) {
  const int64_t n = tl.side, P = n * n, panels = K / kPanel;
#pragma omp for collapse(2) schedule(static)
  for (int64_t kp = 0; kp < panels; ++kp) {
    for (int64_t c = 0; c < C; ++c) {
      double t[6][3][kPanel];  // G g of each of the panel's filters
      for (int64_t j = 0; j < kPanel; ++j) {
        const int64_t k = kp * kPanel + j;
        double g[3][3];
        for (int r = 0; r < 3; ++r)
          for (int s = 0; s < 3; ++s)
            g[r][s] = transpose_flip ? w[(c * K + k) * 9 + (2 - r) * 3 + (2 - s)] : w[(k * C + c) * 9 + r * 3 + s];
        for (int64_t a = 0; a < n; ++a)
          for (int s = 0; s < 3; ++s)
            t[a][s][j] = tl.G[a][0] * g[0][s] + tl.G[a][1] * g[1][s] + tl.G[a][2] * g[2][s];
      }
      float* u = U + (kp * P * C + c) * kPanel;
      for (int64_t a = 0; a < n; ++a)
        for (int64_t b = 0; b < n; ++b)
          for (int64_t j = 0; j < kPanel; ++j)
            u[(a * n + b) * C * kPanel + j] =
                static_cast<float>(t[a][0][j] * tl.G[b][0] + t[a][1][j] * tl.G[b][1] + t[a][2][j] * tl.G[b][2]);
    }
  }
}

// y = conv(x, g) with C input and K output channels; g is w, or w transposed and flipped.
Tensor winograd(WinogradTiles kind, const Tensor& x, const Tensor& w, int64_t K, bool transpose_flip) {
  const Tiles& tl = tiles(kind);
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  Tensor y = Tensor::empty({N, K, H, W}, DType::kFloat32, Device::cpu(), winograd_layout(kind));
  Tensor U = Tensor::empty({tl.side * tl.side * C * K});
  const int64_t per_thread = tl.scratch_floats(C, K, H, W);
  const int n_threads = omp_get_max_threads();
  Tensor scratch = Tensor::empty({n_threads * per_thread});
  const float* xs = x.data<float>();
  float* ys = y.data<float>();
#pragma omp parallel num_threads(n_threads)
  {
    transform_weights(tl, w.data<float>(), C, K, transpose_flip, U.data<float>());
    float* mine = scratch.data<float>() + omp_get_thread_num() * per_thread;
#pragma omp for schedule(dynamic, 1)
    for (int64_t n = 0; n < N; ++n)
      tl.image(xs + n * C * H * W, U.data<float>(), ys + n * K * H * W, C, K, H, W, mine);
  }
  return y;
}

// dw[k, c] += G^T dU[., c, k] G for every filter of this thread's share: the weight gradient from
// the gradient of the transformed weights (U = G g G^T is linear in g). In double, rounded once,
// as transform_weights.
void add_weight_grad(const Tiles& tl, const float* dU, int64_t C, int64_t K, float* dw) {
  const int64_t n = tl.side;
#pragma omp for schedule(static)
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t c = 0; c < C; ++c) {
      double t[6][3];  // dU G
      for (int64_t a = 0; a < n; ++a) {
        for (int s = 0; s < 3; ++s) {
          double sum = 0;
          for (int64_t b = 0; b < n; ++b) sum += dU[((a * n + b) * C + c) * K + k] * tl.G[b][s];
          t[a][s] = sum;
        }
      }
      float* g = dw + (k * C + c) * 9;
      for (int r = 0; r < 3; ++r) {
        for (int s = 0; s < 3; ++s) {
          double sum = 0;
          for (int64_t a = 0; a < n; ++a) sum += tl.G[a][r] * t[a][s];
          g[r * 3 + s] += static_cast<float>(sum);
        }
      }
    }
  }
}

}  // namespace

Layout winograd_layout(WinogradTiles kind) {
  return kind == WinogradTiles::kF2Avx2 ? Layout::kBlocked8 : Layout::kBlocked16;
}

bool winograd_applies(WinogradTiles kind, ConvPass pass, const Conv2dShape& s, const Conv2dParams& p, Layout in,
                      Layout out, bool bias) {
  const Tiles& t = tiles(kind);
  const Layout l = winograd_layout(kind);
  if (bias || in != l || out != l || !stride1_pad1_3x3(t, s, p)) return false;
  // The GEMMs take output channels (input channels for backward data) 16 at a time and read the
  // others whole blocks at a time.
  const int64_t inner = pass == ConvPass::kBackwardData ? s.K : s.C, outer = pass == ConvPass::kBackwardData ? s.C : s.K;
  return inner % t.block == 0 && outer % kPanel == 0;
}

Tensor winograd_forward(WinogradTiles kind, const Tensor& x, const Tensor& w) {
  return winograd(kind, x, w, w.dim(0), false);
}

Tensor winograd_backward_data(WinogradTiles kind, const Tensor& dy, const Tensor& w) {
  return winograd(kind, dy, w, w.dim(1), true);
}

void winograd_backward_weights(WinogradTiles kind, Tensor& dw, const Tensor& x, const Tensor& dy) {
  const Tiles& tl = tiles(kind);
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), K = dw.dim(0);
  const int64_t per_thread = tl.scratch_floats(C, K, H, W), n_dU = tl.side * tl.side * C * K;
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
    add_weight_grad(tl, base, C, K, dw.data<float>());
  }
}

}  // namespace revive::kernels::cpu
