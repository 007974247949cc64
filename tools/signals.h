// SIGINT/SIGTERM handling for long runs: the first signal asks training to stop after the current
// step (it then writes a checkpoint and says how to resume); a second one exits at once, which is
// safe because every file revive writes is replaced atomically.
#pragma once

#include <atomic>

namespace revive::cli {

// Installs the handlers and returns the flag they raise.
std::atomic<bool>& install_stop_handlers();

}  // namespace revive::cli
