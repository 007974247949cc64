// The choices of Weight Evolution that per-element and per-layer math branches on (we_math.h), in a
// header light enough for the CUDA kernels; WeOptions (we_options.h) holds them with the rest.
#pragma once

#include <cstdint>

namespace revive {

enum class WeCrossover : uint8_t { kPaper, kReferenceCode };
// Which conv layers get the filter-level blend of spec 1.6a instead of the element crossover:
// kElement none; kFilterLevel those with I_g == 1 (depthwise; spec 1.6a); kCodeKh1 those with
// Kh == 1, which is what we.py:218 literally tests (`W[j].shape[1]` of a filter is Kh, not I_g).
enum class WeDepthwise : uint8_t { kElement, kFilterLevel, kCodeKh1 };
enum class WeMatching : uint8_t { kForward, kReverse };
enum class WeLevel : uint8_t { kElement, kFilter };
enum class WeSelection : uint8_t { kBoth, kGlobalOnly, kLocalOnly };

}  // namespace revive
