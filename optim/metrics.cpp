#include "optim/metrics.h"

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace revive {

MetricsLog::MetricsLog(const std::string& path, bool truncate)
    : path_(path), os_(path, truncate ? std::ios::trunc : std::ios::app) {
  REVIVE_CHECK(os_.is_open(), "cannot open metrics file " << path << ": " << std::strerror(errno));
}

void MetricsLog::write(const nlohmann::json& line) {
  os_ << line.dump() << '\n';
  os_.flush();
  REVIVE_CHECK(os_.good(), "writing metrics to " << path_ << " failed (disk full?)");
}

}  // namespace revive
