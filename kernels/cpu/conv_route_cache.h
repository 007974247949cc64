// The route cache: the routes measured on this host (conv_route_table.h), kept in a file so that
// later processes skip the measuring. One file per user, $XDG_CACHE_HOME/revive/conv_routes.json
// (~/.cache/revive/ without XDG_CACHE_HOME), holding for each host (host_cpu.h's host_json():
// CPU model, instruction set, oneDNN version, thread count; and revive's version) the chosen route
// of each key. docs/file-formats.md describes it.
//
// The file is an input like any other: it is read defensively, and a damaged or hostile file (not
// JSON, wrong types, numbers out of range, unknown routes or layouts) is ignored with a warning,
// entry by entry where the rest is sound. A route it names is used only when it is one of the
// key's candidates. Writers take an advisory lock (flock on conv_routes.json.lock), merge with
// what the file holds and replace it atomically; a key already present with a valid route keeps
// it, so that concurrent processes on one host settle on the same routes.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cpu/conv_routes.h"

namespace revive::kernels::cpu {

// The cache file's path; empty when neither XDG_CACHE_HOME nor HOME is set (no cache then).
std::string conv_route_cache_path();

// The route the cache holds for `key` on this host, if any (the file is read once per process).
std::optional<ConvRoute> cached_conv_route(const ConvRouteKey& key);

// How many routes the cache holds for this host.
size_t cached_conv_route_count();

// Records key -> route for this host, unless the file already holds a route for the key that
// `accept` admits (another process measured it first). Returns the route the cache holds
// afterwards: that one, or `route` (also when the file cannot be written, after a warning).
ConvRoute store_conv_route(const ConvRouteKey& key, ConvRoute route, const std::function<bool(ConvRoute)>& accept);

// What a cache file's text holds for `host`: the valid entries, and a line for each problem
// found (an empty `problems` means the file is sound). Exposed for the tests.
struct RouteCacheContents {
  std::vector<std::pair<ConvRouteKey, ConvRoute>> entries;
  std::vector<std::string> problems;
};
RouteCacheContents parse_route_cache(const std::string& text, const nlohmann::json& host);

// The host key of this process's entries: host_json() and revive's version.
nlohmann::json route_cache_host();

// Forgets the copy read from the file (tests that change XDG_CACHE_HOME).
void forget_route_cache();

}  // namespace revive::kernels::cpu
