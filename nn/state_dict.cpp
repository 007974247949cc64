#include "nn/state_dict.h"

#include <set>
#include <sstream>

namespace revive::nn {

void load_state_dict(Module& model, const std::map<std::string, Tensor>& tensors, const std::string& origin) {
  const NamedTensorList state = model.state_dict();
  std::ostringstream problems;
  int n_problems = 0;
  auto problem = [&](const std::string& text) {
    if (n_problems < 10) problems << "\n  " << text;
    ++n_problems;
  };
  std::set<std::string> expected;
  for (const auto& [name, dst] : state) {
    expected.insert(name);
    auto it = tensors.find(name);
    if (it == tensors.end()) {
      problem("missing " + name + " " + shape_str(dst.shape()));
      continue;
    }
    const Tensor& src = it->second;
    if (src.shape() != dst.shape() || src.dtype() != dst.dtype()) {
      problem(name + ": file has " + dtype_name(src.dtype()) + " " + shape_str(src.shape()) + ", model expects " +
              dtype_name(dst.dtype()) + " " + shape_str(dst.shape()));
    }
  }
  for (const auto& [name, t] : tensors) {
    if (!expected.count(name)) problem("unexpected " + name + " " + shape_str(t.shape()));
  }
  REVIVE_CHECK(n_problems == 0, origin << " does not match the model (" << n_problems << " problem"
                                       << (n_problems == 1 ? "" : "s") << "):" << problems.str()
                                       << (n_problems > 10 ? "\n  ..." : ""));
  for (const auto& [name, dst] : state) {
    Tensor d = dst;
    d.copy_from(tensors.at(name).to(d.device()));
  }
}

}  // namespace revive::nn
