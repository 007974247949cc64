#include "optim/progress.h"

#include <unistd.h>

#include <cstdio>
#include <sstream>

namespace revive {

bool Progress::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string format_duration(double seconds) {
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(seconds) / 60, static_cast<int>(seconds) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(seconds) / 3600, static_cast<int>(seconds) / 60 % 60);
  }
  return buf;
}

Progress::Progress(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), tty_(stderr_is_terminal()) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void Progress::update(int64_t done, const std::string& status) {
  if (!enabled_ || total_ <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double frac = static_cast<double>(done) / static_cast<double>(total_);
  const double eta = done > 0 ? elapsed * (1.0 - frac) / frac : 0.0;
  if (tty_) {
    if (done < total_ && std::chrono::duration<double>(now - last_draw_).count() < 0.1) return;
    last_draw_ = now;
    constexpr int kWidth = 28;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<size_t>(filled), '=');
    if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
    std::fprintf(stderr, "\r\033[K%s [%s] %lld/%lld %s ETA %s %s", label_.c_str(), bar.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total_), format_duration(elapsed).c_str(),
                 format_duration(eta).c_str(), status.c_str());
    std::fflush(stderr);
  } else if (frac * 5 >= next_fifth_ && next_fifth_ <= 5) {
    while (frac * 5 >= next_fifth_) ++next_fifth_;
    std::fprintf(stderr, "%s %3d%% (%lld/%lld) %s, ETA %s %s\n", label_.c_str(), static_cast<int>(frac * 100 + 0.5),
                 static_cast<long long>(done), static_cast<long long>(total_), format_duration(elapsed).c_str(),
                 format_duration(eta).c_str(), status.c_str());
  }
}

void Progress::finish() {
  if (enabled_ && tty_) std::fprintf(stderr, "\r\033[K");
}

}  // namespace revive
