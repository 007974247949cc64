#include "kernels/label_check.h"

#include <sstream>

#include "kernels/dispatch.h"

namespace revive::kernels {

std::string bad_label_message(const char* op, const BadLabel& bad) {
  std::ostringstream os;
  os << op << ": labels[" << bad.index << "] = " << bad.label << " is outside [0, " << bad.n_classes << ")";
  return os.str();
}

std::optional<BadLabel> take_bad_label(Device d) {
  return dispatch("take_bad_label", d, [] { return std::optional<BadLabel>(); }, [] { return take_bad_label_cuda(); });
}

}  // namespace revive::kernels
