// The CPU revive runs on, in the words benchmark lines, `revive info`, run folders and the
// convolution route cache (conv_route_cache.h) use: its model name and the instruction set
// oneDNN's kernels use on it. Two hosts with the same description run the same kernels, so a
// route measured on one holds on the other.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace revive::kernels::cpu {

// The processor's brand string ("Intel(R) Xeon(R) Platinum 8480+"), or "unknown x86-64 CPU".
const std::string& cpu_model();
// oneDNN's effective instruction set on this CPU, in oneDNN's words ("avx512_core", "avx2", ...):
// what its kernels' names in ONEDNN_VERBOSE say.
const std::string& cpu_isa();
// "oneDNN major.minor.patch".
std::string onednn_version();
// "<model> (<isa>)": the host part of every figure revive's benchmarks print.
std::string host_description();
// {"cpu": model, "isa": isa, "onednn": version, "threads": the thread count now}: the key of a
// host's entries in the route cache, and what a run folder records.
nlohmann::json host_json();

}  // namespace revive::kernels::cpu
