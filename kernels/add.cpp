#include "kernels/add.h"

#include "kernels/dispatch.h"
#include "kernels/entry_checks.h"

namespace revive::kernels {

Tensor add_forward(const Tensor& a, const Tensor& b, bool relu) {
  check_float(a, "add", "a");
  check_float(b, "add", "b");
  check_same_device(a, b, "add", "b");
  REVIVE_CHECK(a.shape() == b.shape(), "add: shapes differ, a " << shape_str(a.shape()) << " and b "
                                                                << shape_str(b.shape()) << " (no broadcasting)");
  return dispatch(
      "add", a.device(), [&] { return add_forward_cpu(a, b, relu); }, [&] { return add_forward_cuda(a, b, relu); });
}

}  // namespace revive::kernels
