#include "run/conv_route_pins.h"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_fields.h"
#include "kernels/cpu/conv_route_table.h"
#include "kernels/cpu/host_cpu.h"
#include "kernels/layout.h"

namespace revive {
namespace {

namespace kc = kernels::cpu;

constexpr const char* kFormat = "revive conv routes";
constexpr int kVersion = 1;
constexpr size_t kMaxBytes = size_t{4} << 20;  // far beyond the record of any network
constexpr size_t kMaxRoutes = 4096;

const Layout kLayouts[] = {Layout::kPlain, Layout::kBlocked8, Layout::kBlocked16};

struct Recorded {
  nlohmann::json host;
  Layout layout = Layout::kPlain;
  std::vector<std::pair<kc::ConvRouteKey, kc::ConvRoute>> routes;
};

Recorded parse_record(const std::string& text, const std::string& origin) {
  const nlohmann::json j = json_parse(text, origin);
  REVIVE_CHECK(j.is_object(), origin << ": not a JSON object");
  REVIVE_CHECK(json_string(j, "format", origin) == kFormat, origin << ": not a revive routes record");
  REVIVE_CHECK(json_int(j, "version", origin) == kVersion, origin << ": a record of another version");
  Recorded r;
  r.host = json_field(j, "host", origin);
  REVIVE_CHECK(r.host.is_object(), origin << ": 'host' is not an object");
  const std::string layout = json_string(j, "layout", origin);
  bool known = false;
  for (Layout l : kLayouts) {
    if (layout_name(l) == layout) r.layout = l, known = true;
  }
  REVIVE_CHECK(known, origin << ": unknown layout '" << layout << "'");
  const nlohmann::json& routes = json_field(j, "routes", origin);
  REVIVE_CHECK(routes.is_array() && routes.size() <= kMaxRoutes,
               origin << ": 'routes' is not an array of at most " << kMaxRoutes << " routes");
  for (size_t i = 0; i < routes.size(); ++i) {
    r.routes.push_back(kc::route_entry_from_json(routes[i], origin + ": route " + std::to_string(i + 1)));
  }
  return r;
}

std::mutex g_mu;
std::string g_written_dir;
uint64_t g_written_generation = 0;

}  // namespace

nlohmann::json conv_routes_record() {
  nlohmann::json routes = nlohmann::json::array();
  for (const kc::RouteChoice& c : kc::conv_route_record()) {
    nlohmann::json e = kc::route_entry_json(c.key, c.route);
    e["chosen_by"] = kc::source_name(c.source);
    if (!c.ms.empty()) {
      nlohmann::json ms = nlohmann::json::object();
      for (const auto& [route, t] : c.ms) ms[kc::route_name(route)] = t;
      e["measured_ms"] = ms;
    }
    routes.push_back(e);
  }
  return {{"format", kFormat},
          {"version", kVersion},
          {"host", kc::host_json()},
          {"mode", kc::mode_name(kc::conv_route_mode())},
          {"layout", layout_name(kernels::preferred_layout())},
          {"measuring_seconds", kc::conv_route_measuring_seconds()},
          {"routes", routes}};
}

void record_conv_routes(const std::string& dir) {
  std::lock_guard<std::mutex> lock(g_mu);
  const uint64_t generation = kc::conv_route_generation();
  if (dir == g_written_dir && generation == g_written_generation) return;
  const nlohmann::json record = conv_routes_record();
  write_file_atomically(dir + "/routes.json", [&](std::ostream& os) { os << record.dump(1) << "\n"; });
  g_written_dir = dir;
  g_written_generation = generation;
}

void pin_recorded_conv_routes(const std::string& dir) {
  const std::string path = dir + "/routes.json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;
  Recorded r;
  try {
    const auto size = std::filesystem::file_size(path, ec);
    REVIVE_CHECK(!ec && size <= kMaxBytes, path << ": unreadable, or larger than any record revive writes");
    std::ifstream is(path, std::ios::binary);
    std::stringstream text;
    text << is.rdbuf();
    r = parse_record(text.str(), path);
  } catch (const Error& e) {
    kc::warn_once(std::string(e.what()) +
                  "; the record is ignored, routes are chosen anew, and the resumed run may differ in rounding");
    return;
  }
  const nlohmann::json here = kc::host_json();
  if (r.host != here) {
    kc::warn_once("this run's routes were recorded on " + r.host.dump() + " and it resumes on " + here.dump() +
                  ": its recorded routes are used where they run here, but rounding may differ");
  }
  kernels::set_preferred_layout(r.layout);
  kc::pin_conv_routes(r.routes);
}

}  // namespace revive
