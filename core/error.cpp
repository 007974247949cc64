#include "core/error.h"

#include <cstring>

namespace revive::detail {

void throw_error(const char* file, int line, const char* cond, const std::string& msg) {
  // Keep only the path below the source root: the location is shown to users with --verbose.
  const char* shown = file;
  for (const char* root : {"/core/", "/kernels/", "/nn/", "/optim/", "/data/", "/reactivation/", "/run/", "/tools/"}) {
    if (const char* p = std::strstr(file, root)) {
      shown = p + 1;
      break;
    }
  }
  std::ostringstream where;
  where << shown << ":" << line;
  if (cond) where << ", check failed: " << cond;
  throw Error(msg, where.str());
}

}  // namespace revive::detail
