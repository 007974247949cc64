#include "kernels/cpu/conv2d_single_channel.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/avx2/conv_tiles.h"
#include "kernels/cpu/avx2/cpu_features.h"

namespace revive::kernels::cpu {
namespace {

constexpr int64_t kBlock = 8;  // channels of dy a call of single_channel_tap_sums takes
constexpr int64_t kTaps = 9;   // 3x3

// One image of x with its zero padding made explicit, so the tap loops need no bounds checks.
struct PaddedImage {
  int64_t rows, cols;
  std::vector<float> v;

  PaddedImage(const Conv2dShape& s, const Conv2dParams& p)
      : rows((s.P - 1) * p.stride_h + 3), cols((s.Q - 1) * p.stride_w + 3), v(rows * cols, 0.0f) {}

  void load(const float* img, const Conv2dShape& s, const Conv2dParams& p) {
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t h = i - p.pad_h;
      for (int64_t j = 0; j < cols; ++j) {
        const int64_t w = j - p.pad_w;
        v[i * cols + j] = h >= 0 && h < s.H && w >= 0 && w < s.W ? img[h * s.W + w] : 0.0f;
      }
    }
  }
};

}  // namespace

bool single_channel_conv_applies(const Conv2dShape& s, const Conv2dParams& p, Layout x_layout, Layout dy_layout,
                                 bool bias) {
  return avx2::cpu_has_avx2_fma() && s.C == 1 && s.R == 3 && s.S == 3 && p.groups == 1 && p.dilation_h == 1 &&
         p.dilation_w == 1 && !bias && s.K % layout_block(dy_layout) == 0 && x_layout == Layout::kPlain &&
         (dy_layout == Layout::kBlocked8 || dy_layout == Layout::kBlocked16) && s.P > 0 && s.Q > 0;
}

void single_channel_conv_backward_weights(Tensor& dw, const Tensor& x, const Tensor& dy, const Conv2dShape& s,
                                          const Conv2dParams& p) {
  const int64_t blocks = s.K / kBlock, PQ = s.P * s.Q, n_taps = s.K * kTaps;
  const int64_t dy_block = layout_block(dy.layout());  // 8 or 16: one or two calls a block
  const int n_threads = omp_get_max_threads();
  // Per thread, [K/8][9][8] as avx2::single_channel_tap_sums writes them.
  std::vector<double> partial(static_cast<size_t>(n_threads * n_taps), 0.0);
  const float* xs = x.data<float>();
  const float* gs = dy.data<float>();
#pragma omp parallel num_threads(n_threads)
  {
    PaddedImage img(s, p);
    double* mine = partial.data() + omp_get_thread_num() * n_taps;
    float sums[kTaps * kBlock];
#pragma omp for schedule(static)
    for (int64_t n = 0; n < s.N; ++n) {
      img.load(xs + n * s.H * s.W, s, p);
      for (int64_t b = 0; b < blocks; ++b) {
        const int64_t k0 = b * kBlock;  // the first of the 8 channels, in dy block k0 / dy_block
        const float* g = gs + (n * s.K + k0 / dy_block * dy_block) * PQ + k0 % dy_block;
        avx2::single_channel_tap_sums(sums, img.v.data(), img.cols, g, dy_block, s.P, s.Q, p.stride_h, p.stride_w);
        for (int64_t i = 0; i < kTaps * kBlock; ++i) mine[b * kTaps * kBlock + i] += sums[i];
      }
    }
  }
  float* out = dw.data<float>();
  for (int64_t k = 0; k < s.K; ++k) {
    for (int64_t t = 0; t < kTaps; ++t) {
      double sum = 0.0;
      for (int th = 0; th < n_threads; ++th) {
        sum += partial[th * n_taps + ((k / kBlock) * kTaps + t) * kBlock + k % kBlock];
      }
      out[k * kTaps + t] += static_cast<float>(sum);
    }
  }
}

}  // namespace revive::kernels::cpu
