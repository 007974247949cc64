#include "kernels/layout.h"

#include "core/runtime_options.h"

namespace revive::kernels {

Layout preferred_layout() { return runtime_options().plain_layout ? Layout::kPlain : Layout::kBlocked8; }

Tensor to_layout(const Tensor& x, Layout layout) {
  if (x.layout() == layout) return x;
  REVIVE_CHECK(x.device().is_cpu(), "layout conversion runs on the CPU; got a tensor on " << x.device().str());
  if (x.layout() != Layout::kPlain && layout != Layout::kPlain) return to_layout(to_layout(x, Layout::kPlain), layout);
  REVIVE_CHECK(x.ndim() == 4, "layout conversion needs a 4-D tensor, got " << shape_str(x.shape()));
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), HW = H * W;
  Tensor y = Tensor::empty(x.shape(), DType::kFloat32, Device::cpu(), layout);
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  // Work in units of one (n, channel block): the blocked side is contiguous there.
  const Layout blocked = layout == Layout::kPlain ? x.layout() : layout;
  const int64_t b = layout_block(blocked), cb = (C + b - 1) / b;
  const bool to_blocked = layout != Layout::kPlain;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t blk = 0; blk < cb; ++blk) {
      const float* bsrc = src + (n * cb + blk) * HW * b;
      float* bdst = dst + (n * cb + blk) * HW * b;
      for (int64_t j = 0; j < b; ++j) {
        const int64_t c = blk * b + j;
        if (c >= C) {
          if (to_blocked) {
            for (int64_t i = 0; i < HW; ++i) bdst[i * b + j] = 0.0f;
          }
          continue;
        }
        if (to_blocked) {
          const float* p = src + (n * C + c) * HW;
          for (int64_t i = 0; i < HW; ++i) bdst[i * b + j] = p[i];
        } else {
          float* p = dst + (n * C + c) * HW;
          for (int64_t i = 0; i < HW; ++i) p[i] = bsrc[i * b + j];
        }
      }
    }
  }
  return y;
}

}  // namespace revive::kernels
