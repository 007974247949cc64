// Kernel Reactivation's entry in the method registry (reactivation/registry.h): --kr-preset,
// --kr-set key=value (any field of kr_option_table) and --kr-skip-1x1, resolved to KrOptions.
#pragma once

#include "reactivation/registry.h"

namespace revive {

MethodSpec kr_method();

}  // namespace revive
