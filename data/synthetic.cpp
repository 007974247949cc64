#include "data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/rng.h"

namespace revive {
namespace {

// Rng streams of this generator: templates, then one per split.
constexpr uint64_t kTemplateStream = 0x5947'0000'0000'0000ull;
constexpr uint64_t kTrainStream = kTemplateStream + 1, kTestStream = kTemplateStream + 2;

Dataset make_split(const SyntheticOptions& o, const std::vector<float>& templates, int64_t n, uint64_t stream) {
  const int64_t numel = o.channels * o.height * o.width;
  Rng rng(o.seed, stream);
  std::vector<uint8_t> images(static_cast<size_t>(n * numel));
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = i % o.num_classes;
    labels[i] = label;
    const float* t = templates.data() + label * numel;
    uint8_t* dst = images.data() + i * numel;
    for (int64_t k = 0; k < numel; ++k) {
      const float v = std::clamp(t[k] + o.noise * rng.normal(), 0.0f, 1.0f);
      dst[k] = static_cast<uint8_t>(std::lround(v * 255.0f));
    }
  }
  return Dataset("synthetic", o.channels, o.height, o.width, o.num_classes, std::move(images), std::move(labels));
}

}  // namespace

DatasetSplits make_synthetic(const SyntheticOptions& o) {
  REVIVE_CHECK(o.n_train >= 0 && o.n_test >= 0,
               "make_synthetic: sample counts " << o.n_train << ", " << o.n_test << " must be >= 0");
  REVIVE_CHECK(o.channels > 0 && o.height > 0 && o.width > 0 && o.num_classes > 0,
               "make_synthetic: shape " << o.channels << "x" << o.height << "x" << o.width << " and " << o.num_classes
                                        << " classes must all be positive");
  REVIVE_CHECK(o.noise >= 0.0f, "make_synthetic: noise " << o.noise << " must be >= 0");
  // Synthetic sets are for tests: cap them well below memory limits so a typo fails loudly.
  const double total = static_cast<double>(o.n_train + o.n_test + o.num_classes) * o.channels * o.height * o.width;
  REVIVE_CHECK(total <= double(uint64_t{1} << 31),
               "make_synthetic: " << total << " bytes requested, more than the 2 GiB limit");

  const int64_t numel = o.channels * o.height * o.width;
  Rng rng(o.seed, kTemplateStream);
  std::vector<float> templates(static_cast<size_t>(o.num_classes * numel));
  for (float& v : templates) v = rng.uniform();
  return DatasetSplits{make_split(o, templates, o.n_train, kTrainStream),
                       make_split(o, templates, o.n_test, kTestStream)};
}

}  // namespace revive
