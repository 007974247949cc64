#include "data/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "data/data_test_util.h"
#include "data/synthetic.h"

namespace revive {
namespace {

// Sample i is a 1x1x2 image holding its own index (low byte, high byte); label i % 3.
Dataset indexed(int64_t n) {
  std::vector<uint8_t> images;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    images.push_back(static_cast<uint8_t>(i & 0xFF));
    images.push_back(static_cast<uint8_t>(i >> 8));
    labels.push_back(i % 3);
  }
  return Dataset("indexed", 1, 1, 2, 3, std::move(images), std::move(labels));
}

int64_t decode(const float* sample) { return std::lround(sample[0] * 255.0f) + 256 * std::lround(sample[1] * 255.0f); }

// The sample indices of one whole epoch, batch by batch, checking labels and shapes on the way.
std::vector<std::vector<int64_t>> epoch_indices(DataLoader& loader, int epoch) {
  loader.start_epoch(epoch);
  std::vector<std::vector<int64_t>> out;
  Batch b;
  while (loader.next(b)) {
    EXPECT_EQ(b.images.shape(), (Shape{b.labels.numel(), 1, 1, 2}));
    EXPECT_EQ(b.labels.dtype(), DType::kInt64);
    EXPECT_TRUE(b.images.is_plain());
    std::vector<int64_t> idx;
    for (int64_t i = 0; i < b.labels.numel(); ++i) {
      idx.push_back(decode(b.images.data<float>() + 2 * i));
      EXPECT_EQ(b.labels.data<int64_t>()[i], idx.back() % 3);
    }
    out.push_back(idx);
  }
  EXPECT_EQ(static_cast<int64_t>(out.size()), loader.batches_per_epoch());
  return out;
}

std::vector<int64_t> flatten(const std::vector<std::vector<int64_t>>& batches) {
  std::vector<int64_t> out;
  for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
  return out;
}

LoaderOptions options(int64_t batch, bool background, uint64_t seed = 7) {
  LoaderOptions o;
  o.batch_size = batch;
  o.background = background;
  o.seed = seed;
  return o;
}

TEST(DataLoader, EverySampleOncePerEpochWithAPartialLastBatch) {
  const Dataset d = indexed(300);
  for (bool background : {true, false}) {
    DataLoader loader(d, options(32, background));
    EXPECT_EQ(loader.batches_per_epoch(), 10);
    for (int epoch : {0, 1}) {
      const auto batches = epoch_indices(loader, epoch);
      ASSERT_EQ(batches.size(), 10u);
      EXPECT_EQ(batches.back().size(), 300u - 9 * 32);
      std::vector<int64_t> all = flatten(batches);
      std::sort(all.begin(), all.end());
      for (int64_t i = 0; i < 300; ++i) ASSERT_EQ(all[i], i) << "epoch " << epoch;
    }
  }
}

TEST(DataLoader, DropLastAndUnshuffledOrder) {
  const Dataset d = indexed(10);
  LoaderOptions o = options(4, true);
  o.shuffle = false;
  o.drop_last = true;
  DataLoader loader(d, o);
  EXPECT_EQ(loader.batches_per_epoch(), 2);
  EXPECT_EQ(epoch_indices(loader, 3), (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  o.drop_last = false;
  DataLoader keep(d, o);
  EXPECT_EQ(flatten(epoch_indices(keep, 0)), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // A batch larger than the dataset: one partial batch, or none when dropped.
  EXPECT_EQ(DataLoader(d, options(64, true)).batches_per_epoch(), 1);
  o.batch_size = 64;
  o.drop_last = true;
  DataLoader none(d, o);
  EXPECT_TRUE(epoch_indices(none, 0).empty());
}

TEST(DataLoader, OrderDependsOnSeedAndEpochOnly) {
  const Dataset d = indexed(200);
  DataLoader a(d, options(16, true, 7)), b(d, options(16, false, 7)), other_seed(d, options(16, true, 8));
  const auto a0 = flatten(epoch_indices(a, 0)), a1 = flatten(epoch_indices(a, 1));
  EXPECT_EQ(a0, flatten(epoch_indices(b, 0)));
  EXPECT_NE(a0, a1);
  EXPECT_NE(a0, flatten(epoch_indices(other_seed, 0)));
  // Resuming: a fresh loader started at epoch 1 repeats epoch 1 exactly, and so does a replay.
  DataLoader fresh(d, options(16, true, 7));
  EXPECT_EQ(flatten(epoch_indices(fresh, 1)), a1);
  EXPECT_EQ(flatten(epoch_indices(a, 0)), a0);
}

// Background and synchronous loaders give bit-identical batches, augmentation included, and a
// fresh loader resumed at epoch 2 reproduces the augmented epoch 2.
TEST(DataLoader, BackgroundMatchesSynchronousWithAugmentation) {
  SyntheticOptions so;
  so.n_train = 150;
  so.channels = 3;
  so.height = so.width = 8;
  const Dataset d = make_synthetic(so).train;
  LoaderOptions o = options(32, true, 21);
  o.transform.norm = normalization_for(d);
  o.transform.pad = 2;
  o.transform.flip = true;
  LoaderOptions sync = o;
  sync.background = false;
  DataLoader bg(d, o), fg(d, sync);
  std::vector<std::vector<float>> bg_epoch2;
  for (int epoch : {0, 1, 2}) {
    bg.start_epoch(epoch);
    fg.start_epoch(epoch);
    Batch x, y;
    int64_t n = 0;
    while (bg.next(x)) {
      ASSERT_TRUE(fg.next(y));
      ASSERT_EQ(x.images.to_vector<float>(), y.images.to_vector<float>()) << "epoch " << epoch << " batch " << n;
      ASSERT_EQ(x.labels.to_vector<int64_t>(), y.labels.to_vector<int64_t>());
      if (epoch == 2) bg_epoch2.push_back(x.images.to_vector<float>());
      ++n;
    }
    EXPECT_FALSE(fg.next(y));
    EXPECT_EQ(n, 5);
  }
  DataLoader resumed(d, o);
  resumed.start_epoch(2);
  Batch x;
  for (const auto& expected : bg_epoch2) {
    ASSERT_TRUE(resumed.next(x));
    EXPECT_EQ(x.images.to_vector<float>(), expected);
  }
}

TEST(DataLoader, AugmentationDiffersBetweenEpochs) {
  // With one sample the order never changes, so any difference comes from the augmentation.
  const Dataset d("one", 1, 1, 2, 1, {1, 2}, {0});
  LoaderOptions o = options(1, true, 3);
  o.transform.flip = true;
  DataLoader loader(d, o);
  std::vector<std::vector<float>> seen;
  for (int epoch = 0; epoch < 16; ++epoch) {
    loader.start_epoch(epoch);
    Batch b;
    ASSERT_TRUE(loader.next(b));
    seen.push_back(b.images.to_vector<float>());
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()) - seen.begin(), 2);  // both flips occur
}

TEST(DataLoader, RestartingMidEpochDiscardsTheBatchInFlight) {
  const Dataset d = indexed(100);
  DataLoader loader(d, options(10, true));
  const auto reference = epoch_indices(loader, 1);
  loader.start_epoch(0);
  Batch b;
  ASSERT_TRUE(loader.next(b));  // the worker is now building batch 1 of epoch 0
  EXPECT_EQ(epoch_indices(loader, 1), reference);
  loader.start_epoch(4);  // abandoned with a batch in flight: the destructor must still join
}

TEST(DataLoader, WorkerExceptionsReachTheConsumer) {
  const Dataset d = indexed(50);
  for (bool background : {true, false}) {
    LoaderOptions o = options(10, background);
    o.shuffle = false;
    o.transform.custom = [](float* x, int64_t, int64_t, int64_t, Rng&) {
      if (decode(x) == 42) REVIVE_THROW("sample 42 is cursed");
    };
    DataLoader loader(d, o);
    for (int attempt = 0; attempt < 2; ++attempt) {
      loader.start_epoch(attempt);
      Batch b;
      for (int i = 0; i < 4; ++i) ASSERT_TRUE(loader.next(b)) << i;
      testing::expect_error([&] { loader.next(b); }, {"sample 42 is cursed"});
      testing::expect_error([&] { loader.next(b); }, {"call start_epoch"});
    }
  }
}

TEST(DataLoader, RejectsMisuse) {
  const Dataset d = indexed(5);
  testing::expect_error([&] { DataLoader(d, options(0, true)); }, {"batch_size 0"});
  DataLoader loader(d, 2, true, TransformOptions{}, 1);
  Batch b;
  testing::expect_error([&] { loader.next(b); }, {"before start_epoch"});
  testing::expect_error([&] { loader.start_epoch(-1); }, {"epoch -1"});
  TransformOptions t;
  t.norm = cifar10_normalization();
  testing::expect_error([&] { DataLoader(d, 2, true, t, 1); }, {"3 means"});
}

TEST(DataLoader, EmptyDatasetHasNoBatches) {
  const Dataset d = indexed(0);
  DataLoader loader(d, options(4, true));
  EXPECT_EQ(loader.batches_per_epoch(), 0);
  EXPECT_TRUE(epoch_indices(loader, 0).empty());
}

}  // namespace
}  // namespace revive
