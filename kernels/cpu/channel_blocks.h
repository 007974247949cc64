// Shared by the CPU per-channel ops (batch norm, pools, global average pool), which run on plain
// and blocked activations alike: a [N, C, H, W] tensor is seen as N x ceil(C/B) planes of HW x B
// values, B the layout's block size. B = 1 is plain NCHW; for B = 8 or 16 the innermost loop runs
// over B channels of one pixel, a full SIMD vector. Padding channels hold zeros on the way in and
// are written as zeros on the way out.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/tensor.h"

namespace revive::kernels::cpu {

struct ChannelBlocks {
  int64_t N, C, HW, n_blocks;
  int64_t n_planes() const { return N * n_blocks; }
};

template <int B>
ChannelBlocks channel_blocks(int64_t N, int64_t C, int64_t HW) {
  return {N, C, HW, (C + B - 1) / B};
}

// Calls f(std::integral_constant<int, B>{}) with the block size of `layout`, so one template body
// serves plain and blocked tensors.
template <class F>
void with_block_size(Layout layout, F&& f) {
  switch (layout_block(layout)) {
    case 1: f(std::integral_constant<int, 1>{}); return;
    case 8: f(std::integral_constant<int, 8>{}); return;
    case 16: f(std::integral_constant<int, 16>{}); return;
  }
  REVIVE_THROW("unsupported layout " << layout_name(layout));
}

}  // namespace revive::kernels::cpu
