// Filter Grafting's entry in the method registry (reactivation/registry.h): --method fg with the
// run's --models N networks, and its options --fg-preset, --fg-criterion, --fg-variant, --fg-a,
// --fg-c, --fg-scope, --fg-lr, --fg-round-alpha, --fg-noise-threshold, --fg-noise-decay and
// --fg-internal-threshold, bound to FgOptions (fg_options.h). The preset fills every option first;
// the options a user gives override it.
#pragma once

#include "reactivation/registry.h"

namespace revive {

MethodSpec fg_method();

}  // namespace revive
