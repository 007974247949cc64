#include "tools/run_binary.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>

namespace revive::testing {

std::string revive_binary() { return std::string(REVIVE_BINARY_DIR) + "/bin/revive"; }

RunResult run_revive(const std::string& args) { return run_shell(revive_binary() + " " + args); }

RunResult run_shell(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  RunResult r{-1, ""};
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

RunResult run_revive_and_signal(const std::string& args, const std::string& trigger, int signal) {
  int fds[2];
  RunResult r{-1, ""};
  if (pipe(fds) != 0) return r;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    const std::string cmd = "exec " + revive_binary() + " " + args;
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  bool sent = false;
  std::array<char, 4096> buf{};
  ssize_t n;
  while ((n = read(fds[0], buf.data(), buf.size())) > 0) {
    r.output.append(buf.data(), static_cast<size_t>(n));
    if (!sent && r.output.find(trigger) != std::string::npos) {
      kill(pid, signal);
      sent = true;
    }
  }
  close(fds[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace revive::testing
