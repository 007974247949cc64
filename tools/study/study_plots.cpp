#include "tools/study/study_plots.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace revive::cli {
namespace {

// `s` as one word for /bin/sh.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::string plot_script_path() {
  const char* env = std::getenv("REVIVE_PLOT_SCRIPT");
  return env != nullptr && *env != '\0' ? env : REVIVE_SOURCE_DIR "/tools/plot_study.py";
}

bool plot_study(const std::string& dir) {
  const std::string python = "/usr/bin/python3";
  const std::string script = plot_script_path();
  const std::string later = python + " " + shell_quote(script) + " " + shell_quote(dir);
  if (!std::filesystem::exists(script)) {
    std::fprintf(stderr, "revive: pictures skipped: %s not found (set REVIVE_PLOT_SCRIPT)\n", script.c_str());
    return false;
  }
  if (std::system((python + " -c 'import matplotlib' >/dev/null 2>&1").c_str()) != 0) {
    std::fprintf(stderr, "revive: pictures skipped: %s has no matplotlib. Install it (apt-get install "
                         "python3-matplotlib), then draw them with\n  %s\n",
                 python.c_str(), later.c_str());
    return false;
  }
  if (std::system(later.c_str()) != 0) {
    std::fprintf(stderr, "revive: warning: the plot script failed; rerun it to see why:\n  %s\n", later.c_str());
    return false;
  }
  return true;
}

}  // namespace revive::cli
