// Progress of a long loop on stderr: a redrawn bar with rate and ETA when stderr is a terminal,
// a plain line every fifth of the work otherwise (logs stay readable when piped to a file).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace revive {

class Progress {
 public:
  Progress(std::string label, int64_t total, bool enabled = true);
  // Reports `done` units finished; `status` is appended (e.g. running loss and accuracy).
  void update(int64_t done, const std::string& status = "");
  // Clears the bar (terminal) so the caller's summary line starts on a clean line.
  void finish();

  static bool stderr_is_terminal();

 private:
  std::string label_;
  int64_t total_;
  bool enabled_, tty_;
  int next_fifth_ = 1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "1m05s" / "3.2s"
std::string format_duration(double seconds);

}  // namespace revive
