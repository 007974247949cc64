// Atomic file replacement: write to a temporary file beside the target, fsync it, rename it over the
// target, fsync the directory. A crash or a full disk at any point leaves either the old file or the
// new one, never a torn one.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace revive {

// Calls write(os) on a temporary file, then publishes it at `path`. Throws revive::Error naming the
// path and the system error if anything fails; the temporary file is removed and `path` untouched.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// Throws a clear revive::Error unless `dir` exists (creating it and its parents if needed) and a file
// can be created in it.
void ensure_writable_dir(const std::string& dir);

}  // namespace revive
