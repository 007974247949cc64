// What the CLI tests read back from run folders: files as bytes, and metrics.jsonl without its
// wall-clock fields (the rest must match bit for bit between an interrupted-and-resumed run and an
// uninterrupted one).
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace revive::testing {

// An empty temporary path named `prefix` + `name` + this process's id (removed if it existed): the
// id keeps apart the same test run at once from two build trees on one machine.
inline std::filesystem::path fresh_dir(const std::string& prefix, const std::string& name) {
  std::filesystem::path d =
      std::filesystem::temp_directory_path() / (prefix + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream is(p, std::ios::binary);
  std::stringstream ss;
  ss << is.rdbuf();
  return ss.str();
}

// The lines of <dir>/metrics.jsonl without the wall-clock fields.
inline std::vector<nlohmann::json> metrics_without_times(const std::filesystem::path& dir) {
  std::vector<nlohmann::json> out;
  std::ifstream is(dir / "metrics.jsonl");
  std::string line;
  while (std::getline(is, line)) {
    nlohmann::json j = nlohmann::json::parse(line);
    for (const char* k : {"epoch_seconds", "train_seconds", "images_per_second", "reactivation_ms"}) j.erase(k);
    if (j.contains("networks")) {
      for (auto& n : j["networks"]) {
        for (const char* k : {"train_seconds", "images_per_second"}) n.erase(k);
      }
    }
    if (j.contains("reactivation"))
      for (const char* k : {"elapsed_us", "stage_us"}) j["reactivation"].erase(k);
    out.push_back(j);
  }
  return out;
}

}  // namespace revive::testing
