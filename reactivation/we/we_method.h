// Weight Evolution's entry in the method registry (reactivation/registry.h): --we-preset,
// --we-ablation and --we-set, resolved by parse_we_options (we_options.h).
#pragma once

#include "reactivation/registry.h"

namespace revive {

MethodSpec we_method();

}  // namespace revive
