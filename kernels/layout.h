// Conversions between the plain NCHW layout and oneDNN's blocked nChw8c / nChw16c layouts
// (core/tensor.h explains them). Blocked activations are what oneDNN convolutions run fastest on;
// they stay blocked between the CPU layers that understand them and are converted where other code
// reads raw elements.
#pragma once

#include <optional>

#include "core/tensor.h"

namespace revive::kernels {

// The layout CPU convolutions produce: the blocks of the host's oneDNN kernels (nChw16c where
// oneDNN runs AVX-512 kernels, nChw8c elsewhere: a convolution on the other block size would pay
// a reorder of its input and output on every call), or plain when RuntimeOptions::plain_layout
// (REVIVE_PLAIN_LAYOUT=1) asks for it (useful to compare the two).
Layout preferred_layout();
// The host's default above.
Layout native_layout();
// Makes `layout` the preferred one (a resumed run's record, benchmarks comparing layouts);
// nullopt restores the default. Layouts change rounding, not results.
void set_preferred_layout(std::optional<Layout> layout);

// Returns x itself when it already has `layout`, else a converted copy (padding channels zeroed).
Tensor to_layout(const Tensor& x, Layout layout);
inline Tensor to_plain(const Tensor& x) { return to_layout(x, Layout::kPlain); }

// Index of logical element (n, c, h, w) in the physical buffer of a [N, C, H, W] tensor.
inline int64_t physical_index(Layout l, int64_t C, int64_t H, int64_t W, int64_t n, int64_t c, int64_t h, int64_t w) {
  if (l == Layout::kPlain) return ((n * C + c) * H + h) * W + w;
  const int64_t b = layout_block(l), cb = (C + b - 1) / b;
  return (((n * cb + c / b) * H + h) * W + w) * b + c % b;
}

}  // namespace revive::kernels
