// A seeded synthetic classification set that a small CNN learns in seconds, for end-to-end tests.
// Each class owns a random template image (pixels uniform in [0, 1]); a sample is its class's
// template plus Gaussian noise, clamped to [0, 1] and stored as bytes like real data. Labels cycle
// 0, 1, ..., K-1 so every class is equally represented. Train and test share the templates and
// differ in their noise.
#pragma once

#include <cstdint>

#include "data/dataset.h"

namespace revive {

struct SyntheticOptions {
  int64_t n_train = 512, n_test = 256;
  int64_t channels = 1, height = 8, width = 8;
  int num_classes = 4;
  float noise = 0.2f;  // standard deviation, in units of the pixel range [0, 1]
  uint64_t seed = 0;
};

// The same options give the same bytes on every machine (Philox streams, no std:: distributions).
DatasetSplits make_synthetic(const SyntheticOptions& opts);

}  // namespace revive
