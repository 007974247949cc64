// The dead-filter census against average L1 norms computed by hand.
#include "reactivation/filter_census.h"

#include <gtest/gtest.h>

#include <vector>

namespace revive {
namespace {

// Two conv layers and a BN between them, in one arena:
//   conv a [3, 2, 1, 1]: filters {1, -1} {0.001, 0.001} {0, 0}  -> avg L1 1, 0.001, 0
//   bn     gamma [2]: {0.5, 0.5} (not a conv filter)
//   conv b [2, 1, 2, 1]: filters {0.2, -0.2} {0.05, 0}           -> avg L1 0.4, 0.05 (divisor 1)
struct Fixture {
  std::vector<float> arena{1, -1, 0.001f, 0.001f, 0, 0, 0.5f, 0.5f, 0.2f, -0.2f, 0.05f, 0};
  FilterTable table = FilterTable::build({{"a.weight", ReactivatableKind::kConvWeight, 0, {3, 2, 1, 1}, 1, 0},
                                          {"bn.weight", ReactivatableKind::kBnGamma, 6, {2}, 1, 1},
                                          {"b.weight", ReactivatableKind::kConvWeight, 8, {2, 1, 2, 1}, 1, 2}},
                                         12);
};

TEST(FilterCensus, ConvLayersByAverageL1) {
  Fixture f;
  const std::vector<ConvLayerFilters> layers = conv_layer_filters(f.table, f.arena.data());
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].name, "a.weight");
  ASSERT_EQ(layers[0].n_filters(), 3);
  EXPECT_FLOAT_EQ(layers[0].avg_l1[0], 1.0f);
  EXPECT_FLOAT_EQ(layers[0].avg_l1[1], 0.001f);
  EXPECT_FLOAT_EQ(layers[0].avg_l1[2], 0.0f);
  EXPECT_FLOAT_EQ(layers[1].avg_l1[0], 0.4f);
  EXPECT_FLOAT_EQ(layers[1].avg_l1[1], 0.05f);
  EXPECT_EQ(layers[0].count_below(1e-3), 1);  // 0.001f is a little above 1e-3: only the 0 is below
  EXPECT_EQ(layers[0].count_below(1e-2), 2);
  EXPECT_DOUBLE_EQ(layers[0].min(), 0.0);
  EXPECT_DOUBLE_EQ(layers[0].max(), 1.0);
  EXPECT_FLOAT_EQ(static_cast<float>(layers[0].median()), 0.001f);  // odd count: the middle
  EXPECT_NEAR(layers[1].median(), (0.4 + 0.05) / 2, 1e-7);          // even: mean of the two middles
  EXPECT_NEAR(layers[0].mean(), (1.0 + 0.001) / 3, 1e-7);
}

TEST(FilterCensus, FractionsOverEveryConvFilter) {
  Fixture f;
  const FilterCensus c = filter_census(conv_layer_filters(f.table, f.arena.data()));
  EXPECT_EQ(c.n_conv_filters, 5);
  // avg L1: 1, 0.001, 0, 0.4, 0.05
  EXPECT_DOUBLE_EQ(c.fraction_below[0], 1.0 / 5);  // < 1e-4: 0
  EXPECT_DOUBLE_EQ(c.fraction_below[2], 2.0 / 5);  // < 1e-2: 0.001, 0
  EXPECT_DOUBLE_EQ(c.fraction_below[3], 3.0 / 5);  // < 1e-1: and 0.05
  EXPECT_DOUBLE_EQ(c.fraction_below[4], 4.0 / 5);  // < 1: all but 1
  ASSERT_EQ(c.layer_mean_avg_l1.size(), 2u);
  EXPECT_NEAR(c.layer_mean_avg_l1[1], 0.225, 1e-7);
  const nlohmann::json j = filter_census_json(c);
  EXPECT_EQ(j["conv_filters"], 5);
  EXPECT_DOUBLE_EQ(j["fraction_below"]["1e-1"].get<double>(), 0.6);
  EXPECT_EQ(j["fraction_below"].size(), 5u);
  EXPECT_EQ(j["layer_mean_avg_l1"].size(), 2u);
}

}  // namespace
}  // namespace revive
