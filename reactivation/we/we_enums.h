// The choices of Weight Evolution that per-element and per-layer math branches on (we_math.h), in a
// header light enough for the CUDA kernels; WeOptions (we_options.h) holds them with the rest.
#pragma once

#include <cstdint>

namespace revive {

enum class WeCrossover : uint8_t { kPaper, kReferenceCode };
// Which conv layers get the filter-level blend of §1.6a instead of the element crossover:
//   kNone       none: the element crossover everywhere (the paper);
//   kKernel1x1  those whose kernels are one row high (Kh == 1: every 1x1 conv), what the published
//               code does: we.py:221 tests `W[j].shape[1] == 1`, and W[j] is I_g x Kh x Kw, so that
//               is Kh, not I_g (§1.6a); its 3x3 depthwise convs get the element crossover;
//   kDepthwise  those with one input channel per filter (I_g == 1: depthwise convs).
enum class WeFilterLevelBlend : uint8_t { kNone, kKernel1x1, kDepthwise };
enum class WeMatching : uint8_t { kForward, kReverse };
enum class WeLevel : uint8_t { kElement, kFilter };
enum class WeSelection : uint8_t { kBoth, kGlobalOnly, kLocalOnly };

}  // namespace revive
