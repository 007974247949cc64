// The process's choice of route for every convolution key (conv_routes.h), the way cuDNN's
// benchmark mode chooses algorithms: the first call of a key lists the routes that apply, and in
// `auto` mode takes the one this host's route cache names (conv_route_cache.h) or else times each
// candidate on the real sizes (a warm-up call, then interleaved rounds; the median run counts)
// and keeps the fastest. Once chosen, a key's route never changes in the process: the routes
// round differently, and a run's numerics must not depend on when a choice was made.
//
// A run records its choices in its folder (run/conv_route_pins.h) and pins them when it
// resumes, so a resumed run computes with the routes of the interrupted one whatever the cache
// says by then.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernels/cpu/conv_routes.h"

namespace revive::kernels::cpu {

// Timing runs each candidate once to warm it up (oneDNN builds its primitives, the allocator
// fills its cache), then interleaved rounds: at least kRouteTimingRounds, and more, up to
// kRouteTimingMaxRounds, until the rounds have taken kRouteTimingBudgetMs. In a round each
// candidate runs twice in a row and only the second run is timed: in training a key runs on one
// route only, and a route timed straight after another one paid for what that one left in the
// caches (revive's tiles lost 20% on the first 16-channel layer that way, and runs with empty
// caches disagreed on that layer's route: benchmarks/RESULTS.md, "Timing routes warm"). The median timed run
// of each candidate counts, not the fastest: oneDNN's direct kernel on some layers runs most calls
// at one speed and a few at a much higher one, and the fastest run then picked it over a route
// that is faster on most calls (benchmarks/RESULTS.md, "F(4x4, 3x3) tiles").
constexpr int kRouteTimingRounds = 5;
constexpr int kRouteTimingMaxRounds = 25;
constexpr double kRouteTimingBudgetMs = 60;

// The mode of choices made from now on (choices already made stay). Until set: `direct` when the
// environment sets REVIVE_NO_WINOGRAD=1, else `auto`.
void set_conv_route_mode(ConvRouteMode mode);
ConvRouteMode conv_route_mode();

// How a key's route came to be.
enum class RouteSource : uint8_t { kRule, kCache, kMeasured, kPinned };
const char* source_name(RouteSource source);

struct RouteChoice {
  ConvRouteKey key;
  ConvRoute route = ConvRoute::kOneDnnDirect;
  RouteSource source = RouteSource::kRule;
  // Measured choices: the median run of each candidate, in ms, in candidate order, and the number
  // of timed rounds (each ran every candidate once).
  std::vector<std::pair<ConvRoute, double>> ms;
  int rounds = 0;
};

// The route of `key` when it is known (chosen or pinned), else nothing. Takes a lock and looks
// up a hash table: no allocation.
std::optional<ConvRoute> known_conv_route(const ConvRouteKey& key);

// Chooses the route of a key that has none yet among `candidates` (the routes that apply, never
// empty, in the order the rules prefer them), records it and returns it. `run_once(route)` runs
// the pass once on the real sizes (into scratch outputs) when measuring. A pinned route that is
// not a candidate here (another CPU) is dropped with a warning and the key chosen afresh.
ConvRoute choose_conv_route(const ConvRouteKey& key, const std::vector<ConvRoute>& candidates,
                            const std::function<void(ConvRoute)>& run_once);

// Makes `routes` the routes of their keys (a resumed run's record), replacing what the table
// holds; a pin takes effect on the key's next use, when it is checked against the candidates.
void pin_conv_routes(const std::vector<std::pair<ConvRouteKey, ConvRoute>>& routes);

// Every choice of this process, in the order made.
std::vector<RouteChoice> conv_route_choices();
// What a run records: the choices, then the pins no pass has used yet.
std::vector<RouteChoice> conv_route_record();
// Counts the changes to the table (choices, pins, resets) over the process's life: a record is
// stale when this has moved.
uint64_t conv_route_generation();
// The wall time spent timing candidates so far, in seconds.
double conv_route_measuring_seconds();

// Forgets every choice and pin (tests).
void reset_conv_routes();

// How CPU convolutions choose routes, in words for `revive info`.
std::string describe_conv_routes();

}  // namespace revive::kernels::cpu
