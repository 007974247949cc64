#include "kernels/cpu/conv_route_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_fields.h"
#include "kernels/cpu/host_cpu.h"

namespace revive::kernels::cpu {
namespace {

constexpr const char* kFormat = "revive conv route cache";
// Raised whenever the candidates or the way of choosing change, so that older choices are measured
// again: 2 added revive's F(4x4, 3x3) tiles, 3 chooses by the median run instead of the fastest,
// 4 times each candidate warm (straight after a run of its own).
constexpr int kVersion = 4;
// Far more than any user's hosts and layers; a file beyond them is not one revive wrote.
constexpr size_t kMaxBytes = size_t{4} << 20;
constexpr size_t kMaxHosts = 64;
constexpr size_t kMaxEntries = 4096;

using Entries = std::unordered_map<ConvRouteKey, ConvRoute, ConvRouteKeyHash>;

struct Memory {
  std::mutex mu;
  bool loaded = false;
  Entries entries;
};

Memory& memory() {
  static Memory m;
  return m;
}

// The file's text, or nothing when it is absent; a file too large to be revive's is a problem.
std::optional<std::string> read_text(const std::string& path, std::vector<std::string>& problems) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxBytes) {
    problems.push_back(ec ? "cannot be read" : "is larger than any route cache revive writes");
    return std::nullopt;
  }
  std::ifstream is(path, std::ios::binary);
  std::stringstream ss;
  ss << is.rdbuf();
  return ss.str();
}

// The parsed file when its outer structure is sound (else nothing, with the problem noted).
std::optional<nlohmann::json> parse_outer(const std::string& text, std::vector<std::string>& problems) {
  try {
    nlohmann::json j = json_parse(text, "the file");
    REVIVE_CHECK(j.is_object(), "the file is not a JSON object");
    REVIVE_CHECK(json_string(j, "format", "the file") == kFormat, "the file is not a revive route cache");
    REVIVE_CHECK(json_int(j, "version", "the file") == kVersion, "the file is of another version");
    const nlohmann::json& hosts = json_field(j, "hosts", "the file");
    REVIVE_CHECK(hosts.is_array() && hosts.size() <= kMaxHosts, "'hosts' is not an array of at most "
                                                                    << kMaxHosts << " hosts");
    return j;
  } catch (const Error& e) {
    problems.push_back(e.what());
    return std::nullopt;
  }
}

bool is_host_block(const nlohmann::json& b) {
  return b.is_object() && b.contains("host") && b["host"].is_object() && b.contains("routes") &&
         b["routes"].is_array();
}

// The valid entries of a host's route list into c.entries, a line for each bad one into c.problems.
void read_entries(const nlohmann::json& routes, RouteCacheContents& c) {
  if (routes.size() > kMaxEntries) {
    c.problems.push_back("a host has more than " + std::to_string(kMaxEntries) + " routes");
    return;
  }
  for (size_t i = 0; i < routes.size(); ++i) {
    try {
      c.entries.push_back(route_entry_from_json(routes[i], "route " + std::to_string(i + 1)));
    } catch (const Error& e) {
      c.problems.push_back(e.what());
    }
  }
}

void warn_problems(const std::string& path, const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string list;
  for (size_t i = 0; i < problems.size() && i < 3; ++i) list += (i ? "; " : "") + problems[i];
  if (problems.size() > 3) list += "; and " + std::to_string(problems.size() - 3) + " more";
  warn_once("the route cache " + path + " is damaged, and what is damaged is ignored (" + list + ")");
}

void load_locked(Memory& m) {
  if (m.loaded) return;
  m.loaded = true;
  const std::string path = conv_route_cache_path();
  if (path.empty()) return;
  std::vector<std::string> problems;
  const std::optional<std::string> text = read_text(path, problems);
  if (text) {
    RouteCacheContents c = parse_route_cache(*text, route_cache_host());
    for (const auto& [key, route] : c.entries) m.entries[key] = route;
    problems.insert(problems.end(), c.problems.begin(), c.problems.end());
  }
  warn_problems(path, problems);
}

// Holds an advisory lock on `path` + ".lock" while alive (none when the lock file cannot be made:
// writers then race, and the atomic replacement still keeps the file whole).
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(::open((path + ".lock").c_str(), O_RDWR | O_CREAT, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

}  // namespace

std::string conv_route_cache_path() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/revive/conv_routes.json";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') return std::string(home) + "/.cache/revive/conv_routes.json";
  return "";
}

nlohmann::json route_cache_host() {
  nlohmann::json h = host_json();
  h["revive"] = REVIVE_VERSION;
  return h;
}

RouteCacheContents parse_route_cache(const std::string& text, const nlohmann::json& host) {
  RouteCacheContents c;
  const std::optional<nlohmann::json> j = parse_outer(text, c.problems);
  if (!j) return c;
  for (const nlohmann::json& block : (*j)["hosts"]) {
    if (!is_host_block(block)) {
      c.problems.push_back("a host entry is not an object with 'host' and 'routes'");
    } else if (block["host"] == host) {
      read_entries(block["routes"], c);
    }
  }
  return c;
}

std::optional<ConvRoute> cached_conv_route(const ConvRouteKey& key) {
  Memory& m = memory();
  std::lock_guard<std::mutex> lock(m.mu);
  load_locked(m);
  auto it = m.entries.find(key);
  if (it == m.entries.end()) return std::nullopt;
  return it->second;
}

size_t cached_conv_route_count() {
  Memory& m = memory();
  std::lock_guard<std::mutex> lock(m.mu);
  load_locked(m);
  return m.entries.size();
}

ConvRoute store_conv_route(const ConvRouteKey& key, ConvRoute route, const std::function<bool(ConvRoute)>& accept) {
  Memory& m = memory();
  std::lock_guard<std::mutex> lock(m.mu);
  load_locked(m);
  const std::string path = conv_route_cache_path();
  if (path.empty()) {
    m.entries[key] = route;
    return route;
  }
  try {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    FileLock file_lock(path);
    // Re-read under the lock: another process may have written since this one loaded the file.
    std::vector<std::string> problems;
    const std::optional<std::string> text = read_text(path, problems);
    std::optional<nlohmann::json> file = text ? parse_outer(*text, problems) : std::nullopt;
    const nlohmann::json host = route_cache_host();
    RouteCacheContents mine;  // this host's entries, in the file's order
    nlohmann::json others = nlohmann::json::array();
    if (file) {
      for (const nlohmann::json& block : (*file)["hosts"]) {
        if (!is_host_block(block)) continue;
        if (block["host"] == host) {
          read_entries(block["routes"], mine);
        } else {
          others.push_back(block);
        }
      }
    }
    auto same_key = [&](const std::pair<ConvRouteKey, ConvRoute>& e) { return e.first == key; };
    auto it = std::find_if(mine.entries.begin(), mine.entries.end(), same_key);
    if (it != mine.entries.end() && accept(it->second)) {
      m.entries[key] = it->second;
      return it->second;
    }
    if (it != mine.entries.end()) mine.entries.erase(it);
    if (mine.entries.size() >= kMaxEntries) mine.entries.clear();
    mine.entries.emplace_back(key, route);
    nlohmann::json routes = nlohmann::json::array();
    for (const auto& [k, r] : mine.entries) routes.push_back(route_entry_json(k, r));
    others.push_back({{"host", host}, {"routes", routes}});
    while (others.size() > kMaxHosts) others.erase(others.begin());
    const nlohmann::json out{{"format", kFormat}, {"version", kVersion}, {"hosts", others}};
    write_file_atomically(path, [&](std::ostream& os) { os << out.dump(1) << "\n"; });
  } catch (const Error& e) {
    warn_once(std::string("the route cache could not be written: ") + e.what());
  }
  m.entries[key] = route;
  return route;
}

void forget_route_cache() {
  Memory& m = memory();
  std::lock_guard<std::mutex> lock(m.mu);
  m.loaded = false;
  m.entries.clear();
}

}  // namespace revive::kernels::cpu
