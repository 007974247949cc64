#include "kernels/cpu/conv_route_table.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "core/runtime_options.h"
#include "kernels/cpu/conv_route_cache.h"

namespace revive::kernels::cpu {
namespace {

struct Table {
  std::mutex mu;
  std::optional<ConvRouteMode> mode;
  std::unordered_map<ConvRouteKey, size_t, ConvRouteKeyHash> index;  // into choices
  std::vector<RouteChoice> choices;
  std::unordered_map<ConvRouteKey, ConvRoute, ConvRouteKeyHash> pins;
  uint64_t generation = 0;
  double measuring_seconds = 0;
};

Table& table() {
  static Table t;
  return t;
}

ConvRouteMode mode_locked(Table& t) {
  if (!t.mode) t.mode = runtime_options().no_winograd ? ConvRouteMode::kDirect : ConvRouteMode::kAuto;
  return *t.mode;
}

bool contains(const std::vector<ConvRoute>& v, ConvRoute r) { return std::find(v.begin(), v.end(), r) != v.end(); }

// The rules of the fixed modes: the first candidate (revive's tiles come first where they
// apply), or the first that is not a Winograd route.
ConvRoute by_rule(ConvRouteMode mode, const std::vector<ConvRoute>& candidates) {
  if (mode == ConvRouteMode::kWinograd) return candidates.front();
  for (ConvRoute r : candidates) {
    if (!is_winograd(r)) return r;
  }
  return candidates.front();
}

RouteChoice measure(const ConvRouteKey& key, const std::vector<ConvRoute>& candidates,
                    const std::function<void(ConvRoute)>& run_once) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  for (ConvRoute r : candidates) run_once(r);
  std::vector<std::vector<double>> runs(candidates.size());
  const auto rounds0 = Clock::now();
  int rounds = 0;
  for (; rounds < kRouteTimingMaxRounds; ++rounds) {
    if (rounds >= kRouteTimingRounds &&
        std::chrono::duration<double, std::milli>(Clock::now() - rounds0).count() >= kRouteTimingBudgetMs) {
      break;
    }
    for (size_t i = 0; i < candidates.size(); ++i) {
      run_once(candidates[i]);  // warms what the route keeps between calls; see kRouteTimingRounds
      const auto a = Clock::now();
      run_once(candidates[i]);
      runs[i].push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
    }
  }
  std::vector<double> best(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    std::vector<double>& r = runs[i];
    std::nth_element(r.begin(), r.begin() + r.size() / 2, r.end());
    best[i] = r[r.size() / 2];
  }
  RouteChoice c;
  c.key = key;
  c.source = RouteSource::kMeasured;
  c.rounds = rounds;
  // Ties go to the earlier candidate: the rules' preference.
  const size_t fastest = static_cast<size_t>(std::min_element(best.begin(), best.end()) - best.begin());
  c.route = candidates[fastest];
  for (size_t i = 0; i < candidates.size(); ++i) c.ms.emplace_back(candidates[i], best[i]);
  std::lock_guard<std::mutex> lock(table().mu);
  table().measuring_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  return c;
}

}  // namespace

void set_conv_route_mode(ConvRouteMode mode) {
  std::lock_guard<std::mutex> lock(table().mu);
  table().mode = mode;
}

ConvRouteMode conv_route_mode() {
  std::lock_guard<std::mutex> lock(table().mu);
  return mode_locked(table());
}

const char* source_name(RouteSource source) {
  switch (source) {
    case RouteSource::kRule: return "rule";
    case RouteSource::kCache: return "cache";
    case RouteSource::kMeasured: return "measured";
    case RouteSource::kPinned: return "pinned";
  }
  return "?";
}

std::optional<ConvRoute> known_conv_route(const ConvRouteKey& key) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  auto it = t.index.find(key);
  if (it == t.index.end()) return std::nullopt;
  return t.choices[it->second].route;
}

ConvRoute choose_conv_route(const ConvRouteKey& key, const std::vector<ConvRoute>& candidates,
                            const std::function<void(ConvRoute)>& run_once) {
  REVIVE_CHECK(!candidates.empty(), "no route for the convolution " << describe_key(key));
  Table& t = table();
  std::optional<ConvRoute> pinned;
  ConvRouteMode mode;
  {
    std::lock_guard<std::mutex> lock(t.mu);
    if (auto it = t.index.find(key); it != t.index.end()) return t.choices[it->second].route;
    if (auto it = t.pins.find(key); it != t.pins.end()) pinned = it->second;
    mode = mode_locked(t);
  }
  RouteChoice c;
  c.key = key;
  if (pinned && contains(candidates, *pinned)) {
    c.route = *pinned;
    c.source = RouteSource::kPinned;
  } else {
    if (pinned) {
      warn_once("the run's recorded route " + std::string(route_name(*pinned)) + " for the convolution " +
                describe_key(key) + " does not run on this CPU; choosing another (results will differ in rounding)");
    }
    const std::optional<ConvRoute> cached =
        mode == ConvRouteMode::kAuto && candidates.size() > 1 ? cached_conv_route(key) : std::nullopt;
    if (mode != ConvRouteMode::kAuto || candidates.size() == 1) {
      c.route = by_rule(mode, candidates);
      c.source = RouteSource::kRule;
    } else if (cached && contains(candidates, *cached)) {
      c.route = *cached;
      c.source = RouteSource::kCache;
    } else {
      if (cached) {
        warn_once("the route cache names " + std::string(route_name(*cached)) + " for the convolution " +
                  describe_key(key) + ", which does not apply to it; measuring instead");
      }
      c = measure(key, candidates, run_once);
      const ConvRoute kept = store_conv_route(key, c.route, [&](ConvRoute r) { return contains(candidates, r); });
      if (kept != c.route) {
        c.route = kept;  // another process measured first: settle on its choice
        c.source = RouteSource::kCache;
      }
    }
  }
  std::lock_guard<std::mutex> lock(t.mu);
  if (auto it = t.index.find(key); it != t.index.end()) return t.choices[it->second].route;
  t.index.emplace(key, t.choices.size());
  t.choices.push_back(c);
  ++t.generation;
  return c.route;
}

void pin_conv_routes(const std::vector<std::pair<ConvRouteKey, ConvRoute>>& routes) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  t.index.clear();
  t.choices.clear();
  t.pins.clear();
  for (const auto& [key, route] : routes) t.pins[key] = route;
  ++t.generation;
}

std::vector<RouteChoice> conv_route_choices() {
  std::lock_guard<std::mutex> lock(table().mu);
  return table().choices;
}

std::vector<RouteChoice> conv_route_record() {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  std::vector<RouteChoice> unused;
  for (const auto& [key, route] : t.pins) {
    if (t.index.count(key) == 0) unused.push_back({key, route, RouteSource::kPinned, {}});
  }
  // In a fixed order (the pins' table has none): bytewise by key.
  std::sort(unused.begin(), unused.end(), [](const RouteChoice& a, const RouteChoice& b) {
    return std::memcmp(&a.key, &b.key, sizeof a.key) < 0;
  });
  std::vector<RouteChoice> record = t.choices;
  record.insert(record.end(), unused.begin(), unused.end());
  return record;
}

uint64_t conv_route_generation() {
  std::lock_guard<std::mutex> lock(table().mu);
  return table().generation;
}

double conv_route_measuring_seconds() {
  std::lock_guard<std::mutex> lock(table().mu);
  return table().measuring_seconds;
}

void reset_conv_routes() {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  t.index.clear();
  t.choices.clear();
  t.pins.clear();
  ++t.generation;
  t.measuring_seconds = 0;
}

std::string describe_conv_routes() {
  const std::string cache = conv_route_cache_path();
  switch (conv_route_mode()) {
    case ConvRouteMode::kDirect:
      return "direct: no Winograd route (--conv-routes direct or REVIVE_NO_WINOGRAD=1)";
    case ConvRouteMode::kWinograd:
      return "winograd: revive's Winograd tiles wherever they apply (--conv-routes winograd)";
    case ConvRouteMode::kAuto:
      break;
  }
  if (cache.empty()) {
    return "auto: the fastest route of each layer and pass, measured once per shape (no cache file: neither "
           "XDG_CACHE_HOME nor HOME is set)";
  }
  return "auto: the fastest route of each layer and pass, measured once per shape and kept in " + cache + " (" +
         std::to_string(cached_conv_route_count()) + " routes for this host)";
}

}  // namespace revive::kernels::cpu
