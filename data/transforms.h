// Per-sample transforms from raw bytes to the float batch: optional pad-and-crop, optional
// horizontal flip, then scaling to [0, 1] and per-channel normalisation, written straight into the
// destination. The order is torchvision's usual CIFAR pipeline (RandomCrop(padding=P),
// RandomHorizontalFlip, ToTensor, Normalize), so padded pixels are raw zeros and normalise to
// -mean/std exactly as there (the CIFAR recipes of docs/weight-evolution.md §1.9).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/rng.h"
#include "data/dataset.h"

namespace revive {

// Per-channel mean and standard deviation of pixels scaled to [0, 1].
struct Normalization {
  std::vector<float> mean, std;
};

Normalization fashion_mnist_normalization();  // 0.2860 / 0.3530 (the training images' mean and std)
Normalization cifar10_normalization();        // (0.4914, 0.4822, 0.4465) / (0.2023, 0.1994, 0.2010)
Normalization cifar100_normalization();       // (0.5071, 0.4865, 0.4409) / (0.2673, 0.2564, 0.2762)
// Mean and population standard deviation of every pixel of each channel.
Normalization compute_normalization(const Dataset& data);
// The published constants for "fashion-mnist", "cifar10" and "cifar100"; measured on `data` otherwise.
Normalization normalization_for(const Dataset& data);

struct TransformOptions {
  Normalization norm;  // empty: no normalisation, values stay in [0, 1]
  int pad = 0;         // > 0: zero-pad `pad` pixels on each side, then crop HxW at a random offset
  bool flip = false;   // mirror left-right with probability 1/2
  // Optional extra augmentation run last on the normalised CHW sample, drawing from the sample's own
  // stream so it stays reproducible (e.g. cutout).
  std::function<void(float* sample, int64_t channels, int64_t height, int64_t width, Rng& rng)> custom;
};

// The random choices for one sample. crop_y/crop_x index the padded image, in [0, 2*pad]; pad means
// no shift.
struct SampleAugment {
  int crop_y = 0, crop_x = 0;
  bool flip = false;
};

class SampleTransform {
 public:
  // Throws revive::Error when norm does not have one (mean, std > 0) per channel or pad is
  // negative or larger than the image.
  SampleTransform(const TransformOptions& opts, int64_t channels, int64_t height, int64_t width);

  // Draws crop offsets (when pad > 0) then the flip (when enabled), in that order.
  SampleAugment draw(Rng& rng) const;
  // Writes C*H*W floats: dst[c][y][x] = normalise(padded[c][y + crop_y][x' + crop_x]) with
  // x' = W-1-x when flipped (x otherwise), padded = src with `pad` zero rows and columns per side.
  void apply(const uint8_t* src, const SampleAugment& aug, float* dst) const;
  // draw, apply, then the custom step.
  void operator()(const uint8_t* src, Rng& rng, float* dst) const;

 private:
  TransformOptions opts_;
  int64_t channels_, height_, width_;
  std::vector<float> lut_;  // [C][256]: byte -> normalised float
};

}  // namespace revive
