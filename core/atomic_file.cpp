#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace revive {
namespace {

void fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  REVIVE_CHECK(rc == 0 || directory, "fsync of " << path << " failed: " << std::strerror(err));
}

}  // namespace

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string tmp = (dir / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()))).string();
  try {
    {
      std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
      REVIVE_CHECK(os.good(), "cannot create " << tmp << ": " << std::strerror(errno));
      write(os);
      os.flush();
      REVIVE_CHECK(os.good(), "writing " << tmp << " failed (disk full?): " << std::strerror(errno));
    }
    fsync_path(tmp, false);
    std::error_code ec;
    fs::rename(tmp, target, ec);
    REVIVE_CHECK(!ec, "cannot rename " << tmp << " to " << path << ": " << ec.message());
    fsync_path(dir.string(), true);
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

void ensure_writable_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  REVIVE_CHECK(!ec, "cannot create output directory '" << dir << "': " << ec.message());
  REVIVE_CHECK(fs::is_directory(dir), "output path '" << dir << "' exists and is not a directory");
  const std::string probe = (fs::path(dir) / ".revive-write-probe").string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REVIVE_CHECK(fd >= 0, "output directory '" << dir << "' is not writable: " << std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace revive
