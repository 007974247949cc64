// Per-epoch metrics as JSON Lines: one object per line, flushed as soon as it is written, so a run
// that dies keeps every finished epoch's line.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace revive {

class MetricsLog {
 public:
  MetricsLog() = default;
  // truncate=false appends (resuming a run).
  MetricsLog(const std::string& path, bool truncate);
  bool is_open() const { return os_.is_open(); }
  void write(const nlohmann::json& line);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream os_;
};

}  // namespace revive
