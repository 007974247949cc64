// Seeded random tensors and conversions between tensors and the double vectors of gradcheck.h.
#pragma once

#include <vector>

#include "core/autograd.h"
#include "core/tensor.h"
#include "kernels/layout.h"
#include "support/gradcheck.h"

namespace revive::testing {

// Values uniform in [lo, hi), stored in `layout` (blocked layouts need a 4-D shape).
inline Tensor random_tensor(const Shape& shape, unsigned seed, double lo = -1.0, double hi = 1.0,
                            Layout layout = Layout::kPlain) {
  const Vec v = random_vec(static_cast<size_t>(shape_numel(shape)), seed, lo, hi);
  return kernels::to_layout(Tensor::from_vector(std::vector<float>(v.begin(), v.end()), shape), layout);
}

inline Tensor to_tensor(const Vec& v, const Shape& shape) {
  return Tensor::from_vector(std::vector<float>(v.begin(), v.end()), shape);
}

// Logical values in NCHW order, whatever the layout.
inline Vec to_vec(const Tensor& t) {
  const std::vector<float> f = kernels::to_plain(t).to_vector<float>();
  return Vec(f.begin(), f.end());
}

// True when every padding channel of a blocked tensor holds zero (always true for plain ones).
inline bool padding_is_zero(const Tensor& t) {
  if (t.is_plain()) return true;
  const int64_t b = layout_block(t.layout()), C = t.dim(1), hw = t.dim(2) * t.dim(3);
  const float* p = t.data<float>();
  for (int64_t i = 0; i < t.physical_numel(); ++i) {
    const int64_t c = ((i / (hw * b)) % ((C + b - 1) / b)) * b + i % b;
    if (c >= C && p[i] != 0.0f) return false;
  }
  return true;
}

// L = sum_i r_i y_i as a recorded one-element tensor, so a test can call backward() on any op's
// output: y's gradient is then r (in y's layout), the analytic input of check_gradients.
inline Tensor project(const Tensor& y, const Tensor& r) {
  const Vec yv = to_vec(y), rv = to_vec(r);
  double l = 0;
  for (size_t i = 0; i < yv.size(); ++i) l += yv[i] * rv[i];
  Tensor out = Tensor::full({1}, static_cast<float>(l));
  record("project", {y}, out, [r = kernels::to_layout(r, y.layout())](const Tensor& dl) {
    Tensor g = r.clone();
    const float s = dl.item();
    float* p = g.data<float>();
    for (int64_t i = 0; i < g.physical_numel(); ++i) p[i] *= s;
    return std::vector<Tensor>{g};
  });
  return out;
}

}  // namespace revive::testing
