#include "support/allclose.h"

#include <cmath>
#include <sstream>

#include "kernels/layout.h"

namespace revive::testing {
namespace {

template <class T>
::testing::AssertionResult compare(const std::vector<T>& ref, const std::vector<T>& got, double atol, double rtol) {
  if (ref.size() != got.size()) {
    return ::testing::AssertionFailure() << "sizes differ: ref " << ref.size() << ", got " << got.size();
  }
  size_t first_bad = ref.size(), n_bad = 0;
  double max_err = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double r = ref[i], g = got[i];
    const double err = std::fabs(g - r);
    const bool bad = !(err <= atol + rtol * std::fabs(r)) || std::isnan(g) != std::isnan(r);
    if (err > max_err || std::isnan(err)) max_err = err;
    if (bad) {
      if (first_bad == ref.size()) first_bad = i;
      ++n_bad;
    }
  }
  if (n_bad == 0) return ::testing::AssertionSuccess();
  std::ostringstream os;
  os.precision(9);
  os << n_bad << " of " << ref.size() << " elements differ (atol " << atol << ", rtol " << rtol
     << "); first at index " << first_bad << ": ref " << ref[first_bad] << ", got " << got[first_bad]
     << "; max |error| " << max_err;
  return ::testing::AssertionFailure() << os.str();
}

}  // namespace

::testing::AssertionResult allclose(const std::vector<double>& ref, const std::vector<double>& got, double atol,
                                    double rtol) {
  return compare(ref, got, atol, rtol);
}

::testing::AssertionResult allclose(const std::vector<float>& ref, const std::vector<float>& got, double atol,
                                    double rtol) {
  return compare(ref, got, atol, rtol);
}

::testing::AssertionResult allclose(const Tensor& ref, const Tensor& got, double atol, double rtol) {
  if (ref.shape() != got.shape()) {
    return ::testing::AssertionFailure() << "shapes differ: ref " << shape_str(ref.shape()) << ", got "
                                         << shape_str(got.shape());
  }
  auto plain = [](const Tensor& t) {
    Tensor c = t.device().is_cpu() ? t : t.to(Device::cpu());
    return c.ndim() == 4 ? kernels::to_plain(c) : c;
  };
  return compare(plain(ref).to_vector<float>(), plain(got).to_vector<float>(), atol, rtol);
}

}  // namespace revive::testing
