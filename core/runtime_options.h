// The switches of the process that change how (never what) revive computes: read from the
// environment once, by the program's entry point (the CLI, the test and benchmark mains), kept in
// one struct that `revive info` prints, and set explicitly by code that wants another value.
//
//   REVIVE_PLAIN_LAYOUT=1       CPU activations stay plain NCHW instead of oneDNN's blocked layout
//   REVIVE_NO_WINOGRAD=1        CPU convolutions take no Winograd route: the `direct` route mode
//                               (kernels/cpu/conv_route_table.h), unless a run's --conv-routes says
//                               otherwise
//   REVIVE_SYNC_AFTER_LAUNCH=1  every CUDA launch waits for its kernel, so an asynchronous fault is
//                               reported by the launch that caused it
//   REVIVE_REQUIRE_CUDA=1       a CUDA test that would skip for want of a device fails instead
//                               (tests/cuda/cuda_test_util.h; tools/gpu_check.sh sets it, so that a
//                               GPU machine's run cannot pass by skipping)
//
// The first two change rounding (by about 1e-7 relative), not results; a run records them.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace revive {

struct RuntimeOptions {
  bool plain_layout = false;
  bool no_winograd = false;
  bool sync_after_launch = false;
  bool require_cuda = false;

  // The switches the environment sets (a variable counts when it is exactly "1").
  static RuntimeOptions from_environment();
  // (environment variable, value) pairs, for `revive info` and run folders.
  std::vector<std::pair<std::string, std::string>> describe() const;
};

// The process's options: the defaults above until an entry point sets them.
const RuntimeOptions& runtime_options();
void set_runtime_options(const RuntimeOptions& options);

}  // namespace revive
