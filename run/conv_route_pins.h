// A run's CPU convolution routes (kernels/cpu/conv_route_table.h), recorded in its folder as
// routes.json and pinned again when it resumes: routes round differently, and a resumed run must
// compute as the interrupted one did, whatever the route cache says by then. The record holds the
// host (CPU model, instruction set, oneDNN version, threads), the route mode, the activation
// layout, and each layer's and pass's route with how it was chosen (docs/file-formats.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace revive {

// The record of this process's routes, as routes.json holds it.
nlohmann::json conv_routes_record();

// Writes dir/routes.json (atomically) when the routes changed since this process last wrote it.
// Called before each checkpoint: every route a checkpoint's steps used is on disk before it.
void record_conv_routes(const std::string& dir);

// Pins the routes and the activation layout dir/routes.json records, before the resumed run's
// first step. A folder without the file (written before revive recorded routes) resumes with
// routes chosen anew; a damaged file is ignored with a warning; a record from another host is
// applied where its routes run there, with a warning that rounding may differ.
void pin_recorded_conv_routes(const std::string& dir);

}  // namespace revive
