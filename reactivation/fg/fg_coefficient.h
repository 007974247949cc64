// The host half of Filter Grafting's coefficient (§2.4, 2.5): the entropy of a
// tensor from its 10 bin counts (entropy_from_bin_counts, reactivation/tensor_entropy.h) and the
// adaptive alpha from two networks' criteria. Both backends count bins on their own and finish
// here, on the host, so that the logarithm and the arctangent are one library's and the CPU and
// CUDA steps give the same bits.
#pragma once

#include <cmath>
#include <cstdint>

#include "reactivation/fg/fg_layout.h"
#include "reactivation/fg/fg_math.h"
#include "reactivation/fg/fg_options.h"
#include "reactivation/fg/fg_report.h"

namespace revive {

// w rounded to `digits` decimals as grafting.py:113 does: its w is a numpy float64 (np.arctan returns
// one), whose round() is numpy's around, rint(w 10^d) / 10^d with ties to even. digits < 0: w.
double fg_round(double w, int digits);

// alpha = round((a/pi) arctan(c delta) + 0.5) for delta = criterion(self) - criterion(scion), the
// criteria as doubles (§2.5: Python subtracts the two float32 entropies as floats).
double fg_alpha(double delta, const FgOptions& options);

// The float32 factors of a blend with coefficient w (fg_math.h). A w that is not finite (an L1
// criterion of a tensor holding Inf or NaN) gives {1, 0}: the tensor keeps its own values, as §0.1
// asks of any step that would write NaN; fg_skipped tells the report.
FgBlendWeights fg_blend_weights(double w);
inline bool fg_skipped(double w) { return !std::isfinite(w); }

// Stage (c) of both backends for group g: every network's criterion into r.criterion_value[m][g]
// (the entropy from bins[m * kEntropyBins + b], the group's bin counts, or the L1 from
// filter_l1[m * layout.n_filters() + f], every conv filter's norm), then each network's alpha from
// itself and its ring predecessor (r.alpha) and its blend weights (weights[m * n_groups + g]).
// Returns how many alphas were skipped, for r.skipped (which it leaves alone, so that threads may
// run it for distinct groups at once).
int64_t fg_group_coefficients(const FgLayout& layout, const FgOptions& options, int g, const int64_t* bins,
                              const float* filter_l1, FgReport& r, FgBlendWeights* weights);

// Filter-level grafting's report for one network from its channel coefficients and their flags (0
// where |g| + |g'| = 0 and the channel kept its own values): r.mean_channel_weight[m], the mean of
// the others in channel order, and the skipped channels added to r.skipped.
void fg_channel_summary(const float* w, const uint8_t* ok, int64_t n_channels, int m, FgReport& r);

}  // namespace revive
