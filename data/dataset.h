// Dataset: every image of one split in memory as raw bytes, uint8 [N, C, H, W] (NCHW, row-major),
// plus int64 labels [N]. Pixels stay as bytes (a quarter of the float size); the loader converts
// and normalises them per batch (data/transforms.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace revive {

class Dataset {
 public:
  Dataset() = default;
  // Checks that images hold N*C*H*W bytes for N = labels.size() and every label is in
  // [0, num_classes); throws revive::Error naming the dataset otherwise.
  Dataset(std::string name, int64_t channels, int64_t height, int64_t width, int num_classes,
          std::vector<uint8_t> images, std::vector<int64_t> labels);

  const std::string& name() const { return name_; }
  int64_t size() const { return static_cast<int64_t>(labels_.size()); }
  int64_t channels() const { return channels_; }
  int64_t height() const { return height_; }
  int64_t width() const { return width_; }
  int64_t sample_numel() const { return channels_ * height_ * width_; }  // C*H*W
  int num_classes() const { return num_classes_; }

  // Image i: C*H*W bytes in CHW order. No bounds check (hot path); callers index in [0, size()).
  const uint8_t* image(int64_t i) const { return images_.data() + i * sample_numel(); }
  int64_t label(int64_t i) const { return labels_[static_cast<size_t>(i)]; }
  const std::vector<uint8_t>& images() const { return images_; }
  const std::vector<int64_t>& labels() const { return labels_; }

 private:
  std::string name_;
  int64_t channels_ = 0, height_ = 0, width_ = 0;
  int num_classes_ = 0;
  std::vector<uint8_t> images_;
  std::vector<int64_t> labels_;
};

struct DatasetSplits {
  Dataset train;
  Dataset test;
};

}  // namespace revive
