// Shared by the CUDA-vs-CPU tests of tests/cuda (STYLE.md "The CUDA <-> CPU pairing"): each test
// runs an op's CUDA path and its CPU path (the reference) on the same seeded inputs and compares
// outputs and gradients. Every test starts with
//   REVIVE_SKIP_WITHOUT_CUDA();
// so a machine without a GPU (or a build without CUDA) reports it skipped, never passed; with
// REVIVE_REQUIRE_CUDA=1 in the environment (core/runtime_options.h) it fails instead, so that a
// run meant for a GPU cannot pass by skipping (tools/gpu_check.sh).
//
// Tolerances (STYLE.md): ops that only move data, and those whose CUDA kernel does the CPU's float
// operations in the CPU's order, are compared exactly; element-wise arithmetic that nvcc may fuse
// into FMAs at atol = rtol = 1e-5; reductions and convolutions at 1e-4. Looser ones say why.
//
// An input an op rejects on the CPU (an empty batch where a mean is taken, say) must be rejected
// on the GPU with the same message, file:line included: the entry point validates before it
// dispatches (testing::error_message).
#pragma once

#include <vector>

#include "core/device.h"
#include "core/runtime_options.h"
#include "core/tensor.h"
#include "support/allclose.h"
#include "support/error_message.h"
#include "support/tensor_utils.h"

// Skips the calling test when there is no CUDA device, or fails it under REVIVE_REQUIRE_CUDA=1.
#define REVIVE_SKIP_WITHOUT_CUDA()                                                  \
  do {                                                                              \
    if (!::revive::cuda_available()) {                                              \
      if (::revive::runtime_options().require_cuda)                                 \
        FAIL() << "no CUDA device, and REVIVE_REQUIRE_CUDA=1 forbids skipping";     \
      GTEST_SKIP() << "no CUDA device";                                             \
    }                                                                               \
  } while (0)

namespace revive::testing {

// The same values on the GPU.
inline Tensor to_cuda(const Tensor& t) { return t.to(Device::cuda()); }

// Element counts around the 256-thread block, one element, none, and multi-dimensional shapes.
inline std::vector<Shape> elementwise_shapes() {
  return {{0}, {1}, {255}, {256}, {257}, {3, 5, 7, 11}, {2, 0, 3, 3}, {70001}};
}

}  // namespace revive::testing
