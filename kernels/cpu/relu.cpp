#include "kernels/relu.h"

#include "kernels/cpu/elementwise.h"
#include "kernels/layout.h"

namespace revive::kernels {

template <class T>
void relu_forward_cpu(T* y, const T* x, int64_t n) {
  cpu::map(y, x, n, [](T v) { return relu_value(v); });
}
template <class T>
void relu_backward_cpu(T* dx, const T* dy, const T* y, int64_t n) {
  cpu::map2(dx, dy, y, n, [](T g, T v) { return relu_grad(g, v); });
}
template <class T>
void relu6_forward_cpu(T* y, const T* x, int64_t n) {
  cpu::map(y, x, n, [](T v) { return relu6_value(v); });
}
template <class T>
void relu6_backward_cpu(T* dx, const T* dy, const T* y, int64_t n) {
  cpu::map2(dx, dy, y, n, [](T g, T v) { return relu6_grad(g, v); });
}

#define REVIVE_INSTANTIATE(T)                                                  \
  template void relu_forward_cpu<T>(T*, const T*, int64_t);                   \
  template void relu_backward_cpu<T>(T*, const T*, const T*, int64_t);        \
  template void relu6_forward_cpu<T>(T*, const T*, int64_t);                  \
  template void relu6_backward_cpu<T>(T*, const T*, const T*, int64_t);
REVIVE_INSTANTIATE(float)
REVIVE_INSTANTIATE(double)
#undef REVIVE_INSTANTIATE

Tensor rectifier_forward_cpu(const Tensor& x, Rectifier r) {
  Tensor y = Tensor::empty(x.shape(), DType::kFloat32, Device::cpu(), x.layout());
  auto f = r == Rectifier::kRelu ? relu_forward_cpu<float> : relu6_forward_cpu<float>;
  f(y.data<float>(), x.data<float>(), x.physical_numel());
  return y;
}

Tensor rectifier_backward_cpu(const Tensor& dy, const Tensor& y, Rectifier r) {
  const Tensor g = to_layout(dy, y.layout());
  Tensor dx = Tensor::empty(y.shape(), DType::kFloat32, Device::cpu(), y.layout());
  auto f = r == Rectifier::kRelu ? relu_backward_cpu<float> : relu6_backward_cpu<float>;
  f(dx.data<float>(), g.data<float>(), y.data<float>(), y.physical_numel());
  return dx;
}

}  // namespace revive::kernels
