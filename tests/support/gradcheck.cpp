#include "support/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "core/rng.h"

namespace revive::testing {

Vec random_vec(size_t n, unsigned seed, double lo, double hi) {
  Rng rng(seed, 77);
  Vec v(n);
  for (double& x : v) x = lo + (hi - lo) * rng.uniform();
  return v;
}

::testing::AssertionResult check_gradients(const std::function<Vec(const std::vector<Vec>&)>& forward,
                                           const std::function<std::vector<Vec>(const std::vector<Vec>&, const Vec&)>& backward,
                                           std::vector<Vec> inputs, const std::vector<std::string>& names,
                                           const GradcheckOptions& opts) {
  const Vec y = forward(inputs);
  const Vec r = random_vec(y.size(), opts.seed, -1.0, 1.0);
  auto loss = [&](const std::vector<Vec>& in) {
    const Vec out = forward(in);
    double l = 0;
    for (size_t i = 0; i < out.size(); ++i) l += r[i] * out[i];
    return l;
  };
  const std::vector<Vec> analytic = backward(inputs, r);
  if (analytic.size() != inputs.size()) {
    return ::testing::AssertionFailure() << "backward returned " << analytic.size() << " gradients for "
                                         << inputs.size() << " inputs";
  }
  Rng pick(opts.seed, 99);
  int n_checked = 0;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (analytic[k].empty()) continue;
    const std::string name = k < names.size() ? names[k] : "input" + std::to_string(k);
    if (analytic[k].size() != inputs[k].size()) {
      return ::testing::AssertionFailure() << name << ": gradient has " << analytic[k].size() << " elements, input "
                                           << inputs[k].size();
    }
    std::vector<size_t> idx(inputs[k].size());
    std::iota(idx.begin(), idx.end(), 0);
    if (idx.size() > static_cast<size_t>(opts.max_elements)) {
      for (size_t i = 0; i < static_cast<size_t>(opts.max_elements); ++i) {
        std::swap(idx[i], idx[i + pick.below(idx.size() - i)]);
      }
      idx.resize(opts.max_elements);
    }
    for (size_t i : idx) {
      const double x0 = inputs[k][i];
      auto at = [&](double dx) {
        inputs[k][i] = x0 + dx;
        const double l = loss(inputs);
        inputs[k][i] = x0;
        return l;
      };
      const double h = opts.eps;
      const double lp = at(h), lm = at(-h);
      double numeric = (lp - lm) / (2 * h);
      if (opts.precise) numeric = (8 * (lp - lm) - (at(2 * h) - at(-2 * h))) / (12 * h);
      const double a = analytic[k][i];
      const double scale = std::max({std::fabs(a), std::fabs(numeric), 1.0});
      if (!(std::fabs(a - numeric) <= opts.tol * scale)) {
        std::ostringstream os;
        os.precision(12);
        os << name << "[" << i << "]: analytic " << a << ", numeric " << numeric << " (L+ " << lp << ", L- " << lm
           << ", eps " << h << ")";
        return ::testing::AssertionFailure() << os.str();
      }
      ++n_checked;
    }
  }
  if (n_checked == 0) return ::testing::AssertionFailure() << "no element was checked";
  return ::testing::AssertionSuccess();
}

}  // namespace revive::testing
