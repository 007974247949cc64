// Runs the revive binary in tests: synchronously (exit status and combined output) or as a child
// whose stderr is read line by line, so a test can signal it at a chosen moment.
#pragma once

#include <string>

namespace revive::testing {

struct RunResult {
  int status;  // exit status, or -1 when it did not exit normally
  std::string output;
};

// The revive binary of this build.
std::string revive_binary();

// `command` through the shell, its stderr with its stdout.
RunResult run_shell(const std::string& command);

// `args` go through the shell after the binary's path.
RunResult run_revive(const std::string& args);

// Starts revive with `args`, reads its stderr until a line contains `trigger`, sends `signal`,
// then collects the rest of the output and the exit status.
RunResult run_revive_and_signal(const std::string& args, const std::string& trigger, int signal);

}  // namespace revive::testing
