#include "data/synthetic.h"

#include <gtest/gtest.h>

#include "data/data_test_util.h"

namespace revive {
namespace {

TEST(Synthetic, ShapesAndBalancedLabels) {
  SyntheticOptions o;
  o.n_train = 30;
  o.n_test = 7;
  o.channels = 3;
  o.height = 5;
  o.width = 6;
  o.num_classes = 3;
  const DatasetSplits s = make_synthetic(o);
  EXPECT_EQ(s.train.size(), 30);
  EXPECT_EQ(s.test.size(), 7);
  EXPECT_EQ(s.train.sample_numel(), 90);
  EXPECT_EQ(s.train.num_classes(), 3);
  EXPECT_EQ(s.train.name(), "synthetic");
  std::vector<int> per_class(3, 0);
  for (int64_t y : s.train.labels()) ++per_class[y];
  EXPECT_EQ(per_class, (std::vector<int>{10, 10, 10}));
}

TEST(Synthetic, DeterministicPerSeed) {
  SyntheticOptions o;
  o.seed = 11;
  const DatasetSplits a = make_synthetic(o), b = make_synthetic(o);
  EXPECT_EQ(a.train.images(), b.train.images());
  EXPECT_EQ(a.test.images(), b.test.images());
  EXPECT_EQ(a.train.labels(), b.train.labels());
  EXPECT_NE(a.train.images(), a.test.images());
  o.seed = 12;
  EXPECT_NE(make_synthetic(o).train.images(), a.train.images());
}

// Learnable: class means estimated on the training split classify the test split almost perfectly,
// so a model that learns anything at all shows it quickly.
TEST(Synthetic, NearestClassMeanSeparatesTheTestSet) {
  SyntheticOptions o;
  o.n_train = 400;
  o.n_test = 200;
  o.num_classes = 5;
  o.seed = 3;
  const DatasetSplits s = make_synthetic(o);
  const int64_t numel = s.train.sample_numel();
  std::vector<double> means(static_cast<size_t>(o.num_classes * numel), 0.0);
  std::vector<int> counts(o.num_classes, 0);
  for (int64_t i = 0; i < s.train.size(); ++i) {
    const int64_t y = s.train.label(i);
    ++counts[y];
    for (int64_t k = 0; k < numel; ++k) means[y * numel + k] += s.train.image(i)[k];
  }
  for (int c = 0; c < o.num_classes; ++c) {
    for (int64_t k = 0; k < numel; ++k) means[c * numel + k] /= counts[c];
  }
  int correct = 0;
  for (int64_t i = 0; i < s.test.size(); ++i) {
    int best = -1;
    double best_d = 0;
    for (int c = 0; c < o.num_classes; ++c) {
      double d = 0;
      for (int64_t k = 0; k < numel; ++k) {
        const double diff = s.test.image(i)[k] - means[c * numel + k];
        d += diff * diff;
      }
      if (best < 0 || d < best_d) best = c, best_d = d;
    }
    correct += best == s.test.label(i);
  }
  EXPECT_GE(correct, 0.95 * s.test.size());
}

TEST(Synthetic, RejectsBadOptions) {
  SyntheticOptions o;
  o.num_classes = 0;
  testing::expect_error([&] { make_synthetic(o); }, {"classes must all be positive"});
  o = SyntheticOptions{};
  o.noise = -1;
  testing::expect_error([&] { make_synthetic(o); }, {"noise"});
  o = SyntheticOptions{};
  o.height = o.width = 1 << 20;
  testing::expect_error([&] { make_synthetic(o); }, {"2 GiB"});
}

}  // namespace
}  // namespace revive
