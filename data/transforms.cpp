#include "data/transforms.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace revive {

Normalization fashion_mnist_normalization() { return {{0.2860f}, {0.3530f}}; }

Normalization cifar10_normalization() { return {{0.4914f, 0.4822f, 0.4465f}, {0.2023f, 0.1994f, 0.2010f}}; }

Normalization cifar100_normalization() { return {{0.5071f, 0.4865f, 0.4409f}, {0.2673f, 0.2564f, 0.2762f}}; }

Normalization compute_normalization(const Dataset& data) {
  const int64_t c_n = data.channels(), plane = data.height() * data.width();
  // Byte histograms make the statistics exact and the pass a single cheap sweep.
  std::vector<uint64_t> hist(static_cast<size_t>(c_n * 256), 0);
  for (int64_t i = 0; i < data.size(); ++i) {
    const uint8_t* img = data.image(i);
    for (int64_t c = 0; c < c_n; ++c) {
      uint64_t* h = hist.data() + c * 256;
      for (int64_t k = 0; k < plane; ++k) ++h[img[c * plane + k]];
    }
  }
  Normalization out;
  for (int64_t c = 0; c < c_n; ++c) {
    double n = 0, sum = 0, sq = 0;
    for (int v = 0; v < 256; ++v) {
      const double cnt = static_cast<double>(hist[c * 256 + v]), x = v / 255.0;
      n += cnt;
      sum += cnt * x;
      sq += cnt * x * x;
    }
    const double mean = n > 0 ? sum / n : 0.0;
    const double var = n > 0 ? std::max(0.0, sq / n - mean * mean) : 0.0;
    out.mean.push_back(static_cast<float>(mean));
    // A constant channel would divide by zero; leave it unscaled.
    out.std.push_back(var > 0 ? static_cast<float>(std::sqrt(var)) : 1.0f);
  }
  return out;
}

Normalization normalization_for(const Dataset& data) {
  if (data.name() == "fashion-mnist") return fashion_mnist_normalization();
  if (data.name() == "cifar10") return cifar10_normalization();
  if (data.name() == "cifar100") return cifar100_normalization();
  return compute_normalization(data);
}

SampleTransform::SampleTransform(const TransformOptions& opts, int64_t channels, int64_t height, int64_t width)
    : opts_(opts), channels_(channels), height_(height), width_(width) {
  const Normalization& nm = opts.norm;
  const bool identity = nm.mean.empty() && nm.std.empty();
  REVIVE_CHECK(
      identity || (static_cast<int64_t>(nm.mean.size()) == channels && static_cast<int64_t>(nm.std.size()) == channels),
      "normalisation has " << nm.mean.size() << " means and " << nm.std.size() << " stds, expected " << channels
                           << " of each (one per channel) or none");
  REVIVE_CHECK(opts.pad >= 0 && opts.pad <= height && opts.pad <= width,
               "crop padding " << opts.pad << " must be in [0, " << std::min(height, width) << "] for " << height << "x"
                               << width << " images");
  lut_.resize(static_cast<size_t>(channels * 256));
  for (int64_t c = 0; c < channels; ++c) {
    const float mean = identity ? 0.0f : nm.mean[c], sd = identity ? 1.0f : nm.std[c];
    REVIVE_CHECK(sd > 0.0f, "normalisation std of channel " << c << " is " << sd << ", expected > 0");
    for (int v = 0; v < 256; ++v) lut_[c * 256 + v] = (static_cast<float>(v) / 255.0f - mean) / sd;
  }
}

SampleAugment SampleTransform::draw(Rng& rng) const {
  SampleAugment a;
  a.crop_y = a.crop_x = opts_.pad;
  if (opts_.pad > 0) {
    a.crop_y = static_cast<int>(rng.below(2 * opts_.pad + 1));
    a.crop_x = static_cast<int>(rng.below(2 * opts_.pad + 1));
  }
  if (opts_.flip) a.flip = rng.below(2) == 1;
  return a;
}

void SampleTransform::apply(const uint8_t* src, const SampleAugment& aug, float* dst) const {
  const int64_t dy = aug.crop_y - opts_.pad, dx = aug.crop_x - opts_.pad;
  for (int64_t c = 0; c < channels_; ++c) {
    const float* lut = lut_.data() + c * 256;
    const float pad_value = lut[0];  // a raw zero, as torchvision pads before normalising
    const uint8_t* plane = src + c * height_ * width_;
    for (int64_t y = 0; y < height_; ++y) {
      float* out = dst + (c * height_ + y) * width_;
      const int64_t sy = y + dy;
      if (sy < 0 || sy >= height_) {
        std::fill(out, out + width_, pad_value);
        continue;
      }
      const uint8_t* row = plane + sy * width_;
      for (int64_t x = 0; x < width_; ++x) {
        const int64_t sx = (aug.flip ? width_ - 1 - x : x) + dx;
        out[x] = (sx < 0 || sx >= width_) ? pad_value : lut[row[sx]];
      }
    }
  }
}

void SampleTransform::operator()(const uint8_t* src, Rng& rng, float* dst) const {
  apply(src, draw(rng), dst);
  if (opts_.custom) opts_.custom(dst, channels_, height_, width_, rng);
}

}  // namespace revive
