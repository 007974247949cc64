#include "core/error.h"

#include <cstring>

namespace revive::detail {

void throw_error(const char* file, int line, const char* cond, const std::string& msg) {
  // Keep only the path below the source root: users read these messages.
  const char* shown = file;
  for (const char* root : {"/core/", "/kernels/", "/nn/", "/optim/", "/data/", "/reactivation/", "/tools/"}) {
    if (const char* p = std::strstr(file, root)) {
      shown = p + 1;
      break;
    }
  }
  std::ostringstream os;
  os << msg << " [" << shown << ":" << line;
  if (cond) os << ", check failed: " << cond;
  os << "]";
  throw Error(os.str());
}

}  // namespace revive::detail
