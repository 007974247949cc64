#include <gtest/gtest.h>

#include "core/parallel.h"
#include "core/runtime_options.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Two threads like CI's machine; tests stay deterministic for a fixed count.
  revive::set_num_threads(2);
  revive::set_runtime_options(revive::RuntimeOptions::from_environment());
  return RUN_ALL_TESTS();
}
