#include "kernels/layout.h"

#include <atomic>

#include "core/runtime_options.h"
#include "kernels/cpu/host_cpu.h"

namespace revive::kernels {
namespace {

// -1: the default; else a Layout.
std::atomic<int> g_preferred{-1};

}  // namespace

Layout native_layout() {
  if (runtime_options().plain_layout) return Layout::kPlain;
  static const Layout blocks = cpu::cpu_isa().rfind("avx512", 0) == 0 ? Layout::kBlocked16 : Layout::kBlocked8;
  return blocks;
}

Layout preferred_layout() {
  const int pinned = g_preferred.load(std::memory_order_relaxed);
  return pinned < 0 ? native_layout() : static_cast<Layout>(pinned);
}

void set_preferred_layout(std::optional<Layout> layout) {
  g_preferred.store(layout ? static_cast<int>(*layout) : -1, std::memory_order_relaxed);
}

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
