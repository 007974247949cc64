// One graft step outside a run, for `revive reactivate --method fg --in A --scion B --out A2`: network
// `self` takes its share of `scion`, a network of the same architecture (e.g. both trained in
// PyTorch), per graft group, exactly as network k takes from network k-1 in a run (spec
// reactivation.md 2.1-2.5, or filter-level grafting, 2.7). The scion is left as it is.
#pragma once

#include <nlohmann/json.hpp>

#include "reactivation/fg/fg_report.h"
#include "reactivation/reactivator.h"

namespace revive {

// Variants external (default) and filter; options.models is ignored (two networks take part). The
// report's network 0 is `self` and network 1 the scion: criterion_value holds both networks'
// entropies (or L1 norms) per group, alpha[0] the share of itself `self` kept.
FgReport fg_graft_from(const ModelRef& self, const ModelRef& scion, FgOptions options);

// The report of fg_graft_from for a user: the variant and criterion, and per graft group its conv,
// the criterion of `self` and of the scion and the alpha `self` kept (external); the mean channel
// coefficient (filter); skipped coefficients and the time.
nlohmann::json fg_graft_report_json(const FgReport& report);

}  // namespace revive
