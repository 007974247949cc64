#include "data/dataset.h"

#include "core/error.h"

namespace revive {

Dataset::Dataset(std::string name, int64_t channels, int64_t height, int64_t width, int num_classes,
                 std::vector<uint8_t> images, std::vector<int64_t> labels)
    : name_(std::move(name)),
      channels_(channels),
      height_(height),
      width_(width),
      num_classes_(num_classes),
      images_(std::move(images)),
      labels_(std::move(labels)) {
  REVIVE_CHECK(channels > 0 && height > 0 && width > 0, "dataset '" << name_ << "': image shape " << channels << "x"
                                                                    << height << "x" << width
                                                                    << " must be positive in every dimension");
  REVIVE_CHECK(num_classes > 0, "dataset '" << name_ << "': num_classes is " << num_classes << ", expected > 0");
  // Overflow-checked, so absurd shapes fail here rather than pass a wrapped-around size test.
  int64_t per_image = 0, expected = 0;
  const bool overflow = __builtin_mul_overflow(channels, height, &per_image) ||
                        __builtin_mul_overflow(per_image, width, &per_image) ||
                        __builtin_mul_overflow(per_image, static_cast<int64_t>(labels_.size()), &expected);
  REVIVE_CHECK(!overflow, "dataset '" << name_ << "': " << labels_.size() << " images of " << channels << "x" << height
                                      << "x" << width << " overflow a 64-bit byte count");
  REVIVE_CHECK(images_.size() == static_cast<uint64_t>(expected),
               "dataset '" << name_ << "': " << images_.size() << " image bytes for " << labels_.size() << " labels of "
                           << channels << "x" << height << "x" << width << ", expected " << expected);
  for (size_t i = 0; i < labels_.size(); ++i) {
    REVIVE_CHECK(labels_[i] >= 0 && labels_[i] < num_classes, "dataset '" << name_ << "': label " << labels_[i]
                                                                          << " of sample " << i << " is outside [0, "
                                                                          << num_classes << ")");
  }
}

}  // namespace revive
