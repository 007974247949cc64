#include "tools/signals.h"

#include <csignal>
#include <cstring>
#include <unistd.h>

namespace revive::cli {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the stop flag is raised inside a signal handler");

void write_stderr(const char* s) {
  const ssize_t ignored = ::write(STDERR_FILENO, s, std::strlen(s));
  (void)ignored;
}

void on_signal(int) {
  if (g_stop.exchange(true)) {
    write_stderr("\nrevive: second signal: exiting now (the last checkpoint is intact)\n");
    ::_exit(130);
  }
  write_stderr("\nrevive: stopping after the current step to write a checkpoint (signal again to exit at once)\n");
}

}  // namespace

std::atomic<bool>& install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return g_stop;
}

}  // namespace revive::cli
