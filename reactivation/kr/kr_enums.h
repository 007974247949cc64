// The choices of Kernel Reactivation that its per-kernel math branches on (kr_math.h), in a header
// light enough for the CUDA kernels; KrOptions (kr_options.h) holds them with the rest. Each is an
// ambiguity of the paper (docs/kernel-reactivation.md §3.3); the first value is the proposed reading.
#pragma once

#include <cstdint>

namespace revive {

// gamma(e) (§3.2): gamma0 (1 + cos(pi e / T)) / 2, or gamma0 lr(e) / lr(0) from the run's schedule.
enum class KrGammaSchedule : uint8_t { kCosine, kLrRatio };
// Which epoch gamma is evaluated at, after the 0-based epoch e: the number of completed epochs
// (e + 1, i.e. the next epoch's learning rate) or e itself (the rate epoch e was trained with).
enum class KrGammaEpoch : uint8_t { kCompleted, kJustFinished };
// C1's average L1 (§3.3.1): L_j / I_g (WE's Eq. 1) or L_j / (I_g Kh Kw), the mean |w|.
enum class KrAvgL1Divisor : uint8_t { kInChannels, kFilterSize };
// How a fraction of a count becomes a count (§3.3.4): floor, ceil or round half up.
enum class KrRounding : uint8_t { kFloor, kCeil, kRound };
// C1's alpha (§3.3.5): a fraction of the model's conv filters, or an absolute average-L1 limit.
enum class KrAlphaMode : uint8_t { kFraction, kL1Threshold };

}  // namespace revive
