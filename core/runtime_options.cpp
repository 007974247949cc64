#include "core/runtime_options.h"

#include <cstdlib>
#include <cstring>

namespace revive {
namespace {

RuntimeOptions g_options;

bool env_is_one(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && std::strcmp(v, "1") == 0;
}

}  // namespace

RuntimeOptions RuntimeOptions::from_environment() {
  RuntimeOptions o;
  o.plain_layout = env_is_one("REVIVE_PLAIN_LAYOUT");
  o.no_winograd = env_is_one("REVIVE_NO_WINOGRAD");
  o.sync_after_launch = env_is_one("REVIVE_SYNC_AFTER_LAUNCH");
  o.require_cuda = env_is_one("REVIVE_REQUIRE_CUDA");
  return o;
}

std::vector<std::pair<std::string, std::string>> RuntimeOptions::describe() const {
  auto flag = [](bool b) { return std::string(b ? "1" : "0"); };
  return {{"REVIVE_PLAIN_LAYOUT", flag(plain_layout)},
          {"REVIVE_NO_WINOGRAD", flag(no_winograd)},
          {"REVIVE_SYNC_AFTER_LAUNCH", flag(sync_after_launch)},
          {"REVIVE_REQUIRE_CUDA", flag(require_cuda)}};
}

const RuntimeOptions& runtime_options() { return g_options; }

void set_runtime_options(const RuntimeOptions& options) { g_options = options; }

}  // namespace revive
