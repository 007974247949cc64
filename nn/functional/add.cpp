#include "core/autograd.h"
#include "kernels/add.h"
#include "kernels/layout.h"
#include "nn/functional.h"

namespace revive::nn::functional {

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = kernels::add_forward(a, b);
  const bool need_a = a.requires_grad(), need_b = b.requires_grad();
  record("add", {a, b}, y, [a_layout = a.layout(), b_layout = b.layout(), need_a, need_b](const Tensor& dy) {
    return std::vector<Tensor>{need_a ? kernels::to_layout(dy, a_layout) : Tensor(),
                               need_b ? kernels::to_layout(dy, b_layout) : Tensor()};
  });
  return y;
}

}  // namespace revive::nn::functional
