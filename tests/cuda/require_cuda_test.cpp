// REVIVE_SKIP_WITHOUT_CUDA (cuda_test_util.h): without a device it skips, unless
// REVIVE_REQUIRE_CUDA=1 (RuntimeOptions::require_cuda), under which it fails: a run meant for a GPU
// cannot pass by skipping.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"

namespace revive {
namespace {

void skip_without_cuda() { REVIVE_SKIP_WITHOUT_CUDA(); }

TEST(RequireCuda, TheSkipHelperFailsInsteadOfSkipping) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present: the helper neither skips nor fails";
  const RuntimeOptions saved = runtime_options();
  RuntimeOptions required = saved;
  required.require_cuda = true;
  set_runtime_options(required);
  EXPECT_FATAL_FAILURE(skip_without_cuda(), "REVIVE_REQUIRE_CUDA=1");
  set_runtime_options(saved);
}

}  // namespace
}  // namespace revive
