// What the CPU convolution entry points (conv2d_cpu.cpp) choose among, and a count of what they
// ran: for the route table, benchmarks that time each route, and tests that check the chosen
// route is the one that runs.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/conv2d.h"
#include "kernels/cpu/conv_routes.h"

namespace revive::kernels::cpu {

// The routes that apply to a pass of this convolution (in, out: the pass's input and output
// layouts, as in conv_route_key), in the order the fixed modes prefer them. Never empty: oneDNN's
// direct kernel applies to everything. s.N > 0.
std::vector<ConvRoute> conv_route_candidates(ConvPass pass, const Conv2dShape& s, const Conv2dParams& p, Layout in,
                                             Layout out, bool bias);

// How many passes each route has run in this process (timing runs included).
uint64_t conv_route_runs(ConvRoute route);

}  // namespace revive::kernels::cpu
