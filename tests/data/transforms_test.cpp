#include "data/transforms.h"

#include <gtest/gtest.h>

#include <cmath>

#include "data/data_test_util.h"

namespace revive {
namespace {

// One channel, 3 rows x 4 columns, pixel (y, x) = 10 * (4y + x + 1), so every value is distinct.
const std::vector<uint8_t> kImage = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120};

// Raw bytes back from [0, 1] floats (identity normalisation).
std::vector<int> to_bytes(const std::vector<float>& v) {
  std::vector<int> out;
  for (float x : v) out.push_back(static_cast<int>(std::lround(x * 255.0f)));
  return out;
}

std::vector<int> run(const TransformOptions& o, const SampleAugment& a) {
  SampleTransform t(o, 1, 3, 4);
  std::vector<float> out(12);
  t.apply(kImage.data(), a, out.data());
  return to_bytes(out);
}

TEST(Transforms, PublishedNormalisationConstants) {
  EXPECT_EQ(fashion_mnist_normalization().mean, (std::vector<float>{0.2860f}));
  EXPECT_EQ(fashion_mnist_normalization().std, (std::vector<float>{0.3530f}));
  EXPECT_EQ(cifar10_normalization().mean, (std::vector<float>{0.4914f, 0.4822f, 0.4465f}));
  EXPECT_EQ(cifar10_normalization().std, (std::vector<float>{0.2023f, 0.1994f, 0.2010f}));
  EXPECT_EQ(cifar100_normalization().mean, (std::vector<float>{0.5071f, 0.4865f, 0.4409f}));
  EXPECT_EQ(cifar100_normalization().std, (std::vector<float>{0.2673f, 0.2564f, 0.2762f}));
}

TEST(Transforms, ConvertsAndNormalisesPerChannel) {
  TransformOptions o;
  o.norm = {{0.5f, 0.25f}, {0.5f, 2.0f}};
  SampleTransform t(o, 2, 1, 2);
  const std::vector<uint8_t> img = {0, 255, 51, 204};  // channel 0: 0, 255; channel 1: 0.2, 0.8
  std::vector<float> out(4);
  t.apply(img.data(), SampleAugment{}, out.data());
  EXPECT_FLOAT_EQ(out[0], -1.0f);
  EXPECT_FLOAT_EQ(out[1], 1.0f);
  EXPECT_FLOAT_EQ(out[2], (0.2f - 0.25f) / 2.0f);
  EXPECT_FLOAT_EQ(out[3], (0.8f - 0.25f) / 2.0f);
}

TEST(Transforms, IdentityWithoutPadOrFlip) {
  EXPECT_EQ(run(TransformOptions{}, SampleAugment{}),
            (std::vector<int>{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120}));
}

TEST(Transforms, PadAndCropShiftsWithZeros) {
  TransformOptions o;
  o.pad = 1;
  // crop (1, 1) is the centre: unchanged.
  EXPECT_EQ(run(o, {1, 1, false}), (std::vector<int>{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120}));
  // crop (0, 0): the image moves down and right; a zero row on top, a zero column on the left.
  EXPECT_EQ(run(o, {0, 0, false}), (std::vector<int>{0, 0, 0, 0, 0, 10, 20, 30, 0, 50, 60, 70}));
  // crop (2, 1): the image moves up by one; a zero row at the bottom.
  EXPECT_EQ(run(o, {2, 1, false}), (std::vector<int>{50, 60, 70, 80, 90, 100, 110, 120, 0, 0, 0, 0}));
  // crop (1, 2): the image moves left by one; a zero column on the right.
  EXPECT_EQ(run(o, {1, 2, false}), (std::vector<int>{20, 30, 40, 0, 60, 70, 80, 0, 100, 110, 120, 0}));
}

TEST(Transforms, FlipMirrorsAfterTheCrop) {
  TransformOptions o;
  EXPECT_EQ(run(o, {0, 0, true}), (std::vector<int>{40, 30, 20, 10, 80, 70, 60, 50, 120, 110, 100, 90}));
  o.pad = 1;
  // Crop (1, 2) as above, then mirrored: the zero column ends up on the left.
  EXPECT_EQ(run(o, {1, 2, true}), (std::vector<int>{0, 40, 30, 20, 0, 80, 70, 60, 0, 120, 110, 100}));
}

TEST(Transforms, PaddingNormalisesLikeARawZero) {
  TransformOptions o;
  o.pad = 2;
  o.norm = fashion_mnist_normalization();
  SampleTransform t(o, 1, 3, 4);
  std::vector<float> out(12);
  t.apply(kImage.data(), {0, 0, false}, out.data());
  EXPECT_FLOAT_EQ(out[0], -0.2860f / 0.3530f);
  EXPECT_FLOAT_EQ(out[2 * 4 + 2], (10.0f / 255.0f - 0.2860f) / 0.3530f);
}

TEST(Transforms, DrawsCoverTheRangeAndAreSeeded) {
  TransformOptions o;
  o.pad = 2;
  o.flip = true;
  SampleTransform t(o, 1, 3, 4);
  Rng rng(5), again(5);
  std::vector<int> seen_y(5, 0), seen_x(5, 0);
  int flips = 0;
  for (int i = 0; i < 2000; ++i) {
    const SampleAugment a = t.draw(rng), b = t.draw(again);
    ASSERT_EQ(a.crop_y, b.crop_y);
    ASSERT_EQ(a.crop_x, b.crop_x);
    ASSERT_EQ(a.flip, b.flip);
    ASSERT_GE(a.crop_y, 0);
    ASSERT_LE(a.crop_y, 4);
    ASSERT_GE(a.crop_x, 0);
    ASSERT_LE(a.crop_x, 4);
    ++seen_y[a.crop_y];
    ++seen_x[a.crop_x];
    flips += a.flip;
  }
  for (int k = 0; k < 5; ++k) {
    EXPECT_GT(seen_y[k], 300);
    EXPECT_GT(seen_x[k], 300);
  }
  EXPECT_NEAR(flips, 1000, 120);
  // No augmentation: no draws, centre crop.
  SampleTransform plain(TransformOptions{}, 1, 3, 4);
  const Rng::State before = rng.state();
  const SampleAugment a = plain.draw(rng);
  EXPECT_EQ(rng.state().counter, before.counter);
  EXPECT_EQ(a.crop_y, 0);
  EXPECT_FALSE(a.flip);
}

TEST(Transforms, CustomStepRunsLastOnTheSampleStream) {
  TransformOptions o;
  o.custom = [](float* x, int64_t c, int64_t h, int64_t w, Rng& rng) {
    EXPECT_EQ(c * h * w, 12);
    x[0] = static_cast<float>(rng.below(1000));
  };
  SampleTransform t(o, 1, 3, 4);
  std::vector<float> out(12);
  Rng rng(1);
  t(kImage.data(), rng, out.data());
  EXPECT_EQ(out[0], static_cast<float>(Rng(1).below(1000)));
  EXPECT_FLOAT_EQ(out[1], 20.0f / 255.0f);
}

TEST(Transforms, ComputedStatisticsAndDatasetDefaults) {
  // Channel 0 holds 0 and 255 (mean 0.5, std 0.5); channel 1 is constant 51 (std 0 -> 1).
  const Dataset d("toy", 2, 1, 1, 2, {0, 51, 255, 51}, {0, 1});
  const Normalization n = compute_normalization(d);
  EXPECT_FLOAT_EQ(n.mean[0], 0.5f);
  EXPECT_FLOAT_EQ(n.std[0], 0.5f);
  EXPECT_FLOAT_EQ(n.mean[1], 0.2f);
  EXPECT_FLOAT_EQ(n.std[1], 1.0f);
  EXPECT_EQ(normalization_for(d).mean, n.mean);
  const Dataset c("cifar10", 3, 1, 1, 10, {0, 0, 0}, {0});
  EXPECT_EQ(normalization_for(c).std, cifar10_normalization().std);
}

TEST(Transforms, RejectsOptionsThatDoNotFit) {
  TransformOptions o;
  o.norm = cifar10_normalization();
  testing::expect_error([&] { SampleTransform(o, 1, 28, 28); }, {"3 means", "expected 1"});
  o.norm = {{0.5f}, {0.0f}};
  testing::expect_error([&] { SampleTransform(o, 1, 28, 28); }, {"std of channel 0"});
  o = TransformOptions{};
  o.pad = -1;
  testing::expect_error([&] { SampleTransform(o, 1, 28, 28); }, {"padding -1"});
}

}  // namespace
}  // namespace revive
