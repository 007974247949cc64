// expect_allclose: an element fails when |got - ref| > atol + rtol * |ref|. On failure the message
// names the first mismatching index, the values and the largest error.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/tensor.h"

namespace revive::testing {

::testing::AssertionResult allclose(const std::vector<double>& ref, const std::vector<double>& got, double atol,
                                    double rtol);
::testing::AssertionResult allclose(const std::vector<float>& ref, const std::vector<float>& got, double atol,
                                    double rtol);
// Compares logical values (blocked tensors are converted to plain first).
::testing::AssertionResult allclose(const Tensor& ref, const Tensor& got, double atol, double rtol);

}  // namespace revive::testing

#define EXPECT_ALLCLOSE(ref, got, atol, rtol) EXPECT_TRUE(::revive::testing::allclose((ref), (got), (atol), (rtol)))
