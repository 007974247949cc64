#include <gtest/gtest.h>

#include <cstdlib>

#include "core/parallel.h"
#include "core/runtime_options.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Two threads like CI's machine; tests stay deterministic for a fixed count.
  revive::set_num_threads(2);
  revive::set_runtime_options(revive::RuntimeOptions::from_environment());
  // The convolution route cache of the tests (and of the revive processes they start): never the
  // user's, whose routes would make the tests' choices depend on what ran before.
  setenv("XDG_CACHE_HOME", REVIVE_BINARY_DIR "/test_cache", 1);
  return RUN_ALL_TESTS();
}
