#include "kernels/add.h"

#include "kernels/cpu/elementwise.h"
#include "kernels/layout.h"
#include "kernels/relu.h"

namespace revive::kernels {

template <class T>
void add_forward_cpu(T* y, const T* a, const T* b, int64_t n, bool relu) {
  if (relu) {
    cpu::map2(y, a, b, n, [](T u, T v) { return relu_value(add_value(u, v)); });
  } else {
    cpu::map2(y, a, b, n, [](T u, T v) { return add_value(u, v); });
  }
}
template void add_forward_cpu<float>(float*, const float*, const float*, int64_t, bool);
template void add_forward_cpu<double>(double*, const double*, const double*, int64_t, bool);

Tensor add_forward_cpu(const Tensor& a, const Tensor& b, bool relu) {
  const Tensor bb = to_layout(b, a.layout());
  Tensor y = Tensor::empty(a.shape(), DType::kFloat32, Device::cpu(), a.layout());
  add_forward_cpu(y.data<float>(), a.data<float>(), bb.data<float>(), a.physical_numel(), relu);
  return y;
}

}  // namespace revive::kernels
