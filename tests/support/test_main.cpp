#include <gtest/gtest.h>

#include "core/parallel.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Two threads like CI's machine; tests stay deterministic for a fixed count.
  revive::set_num_threads(2);
  return RUN_ALL_TESTS();
}
