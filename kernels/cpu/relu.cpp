#include "kernels/relu.h"

#include "kernels/cpu/elementwise.h"
#include "kernels/entry_checks.h"
#include "kernels/layout.h"

namespace revive::kernels {
namespace {

template <class F>
Tensor forward(const Tensor& x, const char* op, F f) {
  check_cpu_float(x, op, "x");
  Tensor y = Tensor::empty(x.shape(), DType::kFloat32, Device::cpu(), x.layout());
  f(y.data<float>(), x.data<float>(), x.physical_numel());
  return y;
}

template <class F>
Tensor backward(const Tensor& dy, const Tensor& y, const char* op, F f) {
  check_cpu_float(y, op, "y");
  check_cpu_float(dy, op, "dy");
  REVIVE_CHECK(dy.shape() == y.shape(), op << ": dy " << shape_str(dy.shape()) << " does not match y "
                                           << shape_str(y.shape()));
  const Tensor g = to_layout(dy, y.layout());
  Tensor dx = Tensor::empty(y.shape(), DType::kFloat32, Device::cpu(), y.layout());
  f(dx.data<float>(), g.data<float>(), y.data<float>(), y.physical_numel());
  return dx;
}

}  // namespace

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

Tensor relu_forward(const Tensor& x) { return forward(x, "relu", relu_forward_cpu<float>); }
Tensor relu_backward(const Tensor& dy, const Tensor& y) { return backward(dy, y, "relu backward", relu_backward_cpu<float>); }
Tensor relu6_forward(const Tensor& x) { return forward(x, "relu6", relu6_forward_cpu<float>); }
Tensor relu6_backward(const Tensor& dy, const Tensor& y) {
  return backward(dy, y, "relu6 backward", relu6_backward_cpu<float>);
}

}  // namespace revive::kernels
