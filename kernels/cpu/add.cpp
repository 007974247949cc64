#include "kernels/add.h"

#include "kernels/cpu/elementwise.h"
#include "kernels/layout.h"

namespace revive::kernels {

template <class T>
void add_forward_cpu(T* y, const T* a, const T* b, int64_t n) {
  cpu::map2(y, a, b, n, [](T u, T v) { return add_value(u, v); });
}
template void add_forward_cpu<float>(float*, const float*, const float*, int64_t);
template void add_forward_cpu<double>(double*, const double*, const double*, int64_t);

Tensor add_forward_cpu(const Tensor& a, const Tensor& b) {
  const Tensor bb = to_layout(b, a.layout());
  Tensor y = Tensor::empty(a.shape(), DType::kFloat32, Device::cpu(), a.layout());
  add_forward_cpu(y.data<float>(), a.data<float>(), bb.data<float>(), a.physical_numel());
  return y;
}

}  // namespace revive::kernels
