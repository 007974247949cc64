// A path under the system's temporary folder that belongs to this test process alone:
// <tmp>/revive_<pid>_<name>, the name last so that its extension stays the file's (readers tell
// TOML from JSON by it). A fixed name is shared by every build that runs the same test at the same
// time (two checkouts' ctest runs, or one run with -j), and they then read each other's files.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace revive::testing {

inline std::filesystem::path scratch_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("revive_" + std::to_string(::getpid()) + "_" + name);
}

}  // namespace revive::testing
