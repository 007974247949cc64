#include "core/autograd.h"
#include "kernels/layout.h"
#include "nn/functional.h"

namespace revive::nn::functional {

// A view of the plain data (a blocked input is converted first); the gradient is dy reshaped back
// and returned in the input's layout.
Tensor flatten(const Tensor& x) {
  REVIVE_CHECK(x.defined() && x.ndim() >= 1, "flatten: x needs a batch dimension");
  int64_t features = 1;
  for (int i = 1; i < x.ndim(); ++i) features *= x.dim(i);
  Tensor y = kernels::to_plain(x).reshape({x.dim(0), features});
  record("flatten", {x}, y, [shape = x.shape(), layout = x.layout()](const Tensor& dy) {
    return std::vector<Tensor>{kernels::to_layout(dy.reshape(shape), layout)};
  });
  return y;
}

}  // namespace revive::nn::functional
