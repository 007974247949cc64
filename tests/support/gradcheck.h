// Finite-difference gradient checks in double (Caffe's GradientChecker, ggml's eval_grad).
//
// The objective is a random projection L = sum_i r_i y_i with fixed seeded r, which breaks the
// symmetric cancellations of sum(y^2). For every checked element of every input the centred
// difference (L(x+eps) - L(x-eps)) / 2eps (or the 4-point formula with `precise`) is compared with
// the analytic gradient: |a - n| <= tol * max(|a|, |n|, 1). Large inputs are checked on a seeded
// random subset of at most max_elements elements.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace revive::testing {

using Vec = std::vector<double>;

struct GradcheckOptions {
  double eps = 1e-6;
  double tol = 1e-6;
  int max_elements = 200;
  bool precise = false;
  unsigned seed = 1234;
};

// forward(inputs) -> y. backward(inputs, dy) -> one gradient per input (the analytic dL/dinput for
// L = <dy, y>); an empty vector for an input means "not differentiable, skip".
::testing::AssertionResult check_gradients(const std::function<Vec(const std::vector<Vec>&)>& forward,
                                           const std::function<std::vector<Vec>(const std::vector<Vec>&, const Vec&)>& backward,
                                           std::vector<Vec> inputs, const std::vector<std::string>& names,
                                           const GradcheckOptions& opts = {});

// Seeded values uniform in [lo, hi).
Vec random_vec(size_t n, unsigned seed, double lo = -1.0, double hi = 1.0);

}  // namespace revive::testing
