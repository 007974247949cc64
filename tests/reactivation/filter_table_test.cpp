#include "reactivation/filter_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace revive {
namespace {

using K = ReactivatableKind;

ReactivatableTensor conv(const std::string& name, int64_t offset, Shape shape, int groups, int layer) {
  return {name, K::kConvWeight, offset, std::move(shape), groups, layer};
}
ReactivatableTensor bn(const std::string& name, K kind, int64_t offset, int64_t c, int layer) {
  return {name, kind, offset, {c}, 1, layer};
}

// Expects build() to throw an Error whose message contains `needle`.
void expect_build_error(const std::vector<ReactivatableTensor>& tensors, int64_t arena, const std::string& needle) {
  try {
    FilterTable::build(tensors, arena);
    ADD_FAILURE() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(FilterTable, DescribesLayersAndFiltersInModuleOrder) {
  // Arena: conv1 [4,3,3,3] at 0 (108), bn1 gamma [4] at 108, beta [4] at 112, a gap of 2 (not
  // reactivatable, e.g. a bias), depthwise [4,1,3,3] groups 4 at 118 (36), grouped 1x1 [6,2,1,1]
  // groups 2 at 154 (12). Given out of module order on purpose.
  const std::vector<ReactivatableTensor> t{
      conv("dw.weight", 118, {4, 1, 3, 3}, 4, 2), bn("bn1.weight", K::kBnGamma, 108, 4, 1),
      conv("conv1.weight", 0, {4, 3, 3, 3}, 1, 0), bn("bn1.bias", K::kBnBeta, 112, 4, 1),
      conv("pw.weight", 154, {6, 2, 1, 1}, 2, 3)};
  const FilterTable table = FilterTable::build(t, 166);
  ASSERT_EQ(table.n_layers(), 5);
  EXPECT_EQ(table.layer_names(),
            (std::vector<std::string>{"conv1.weight", "bn1.weight", "bn1.bias", "dw.weight", "pw.weight"}));
  const FilterTableLayers& L = table.layers();
  EXPECT_EQ(L.kind, (std::vector<K>{K::kConvWeight, K::kBnGamma, K::kBnBeta, K::kConvWeight, K::kConvWeight}));
  EXPECT_EQ(L.offset, (std::vector<int64_t>{0, 108, 112, 118, 154}));
  EXPECT_EQ(L.n_filters, (std::vector<int32_t>{4, 4, 4, 4, 6}));
  EXPECT_EQ(L.filter_len, (std::vector<int32_t>{27, 1, 1, 9, 2}));
  EXPECT_EQ(L.n_slices, (std::vector<int32_t>{3, 1, 1, 1, 2}));
  EXPECT_EQ(L.slice_len, (std::vector<int32_t>{9, 1, 1, 9, 1}));
  EXPECT_EQ(L.kernel_h, (std::vector<int32_t>{3, 1, 1, 3, 1}));
  EXPECT_EQ(L.groups, (std::vector<int32_t>{1, 1, 1, 4, 2}));
  // §1.2: divisor = weight.shape[1] = I_g (3 for the RGB conv, 1 for depthwise, I/groups).
  EXPECT_EQ(L.divisor, (std::vector<float>{3, 1, 1, 1, 2}));
  EXPECT_EQ(L.first_filter, (std::vector<int32_t>{0, 4, 8, 12, 16, 22}));
  EXPECT_EQ(table.n_filters(), 22);
  EXPECT_EQ(table.n_elements(), 108 + 4 + 4 + 36 + 12);
  EXPECT_EQ(table.n_layers_of(K::kConvWeight), 3);
  EXPECT_EQ(table.n_filters_of(K::kBnGamma), 4);
  EXPECT_EQ(table.n_filters_of(K::kConvWeight), 14);

  const FilterTableFilters& F = table.filters();
  EXPECT_EQ(F.layer[0], 0);
  EXPECT_EQ(F.offset[3], 81);  // conv1 filter 3 = 3 * 27
  EXPECT_EQ(F.layer[5], 1);
  EXPECT_EQ(F.offset[5], 109);  // gamma[1]
  EXPECT_EQ(F.offset[9], 113);  // beta[1]
  EXPECT_EQ(F.offset[13], 127);  // dw filter 1 = 118 + 9
  EXPECT_EQ(F.offset[21], 164);  // pw filter 5 = 154 + 5 * 2
  ASSERT_EQ(F.element_prefix.size(), 23u);
  EXPECT_EQ(F.element_prefix[4], 108);
  EXPECT_EQ(F.element_prefix[12], 116);
  EXPECT_EQ(F.element_prefix[22], table.n_elements());
}

TEST(FilterTable, EmptyTableIsValid) {
  const FilterTable table = FilterTable::build({}, 10);
  EXPECT_EQ(table.n_layers(), 0);
  EXPECT_EQ(table.n_filters(), 0);
  EXPECT_EQ(table.filters().element_prefix, (std::vector<int64_t>{0}));
}

TEST(FilterTable, RejectsBadDescriptors) {
  expect_build_error({conv("a", 0, {4, 3, 3}, 1, 0)}, 100, "4 dimensions");
  expect_build_error({bn("g", K::kBnGamma, 0, 4, 0), {"h", K::kBnBeta, 4, {2, 2}, 1, 0}}, 100, "1 dimension");
  expect_build_error({conv("a", 0, {4, 0, 3, 3}, 1, 0)}, 100, "every dimension must be >= 1");
  expect_build_error({conv("a", 0, {6, 1, 1, 1}, 4, 0)}, 100, "multiple of groups");
  expect_build_error({conv("a", 0, {6, 1, 1, 1}, 0, 0)}, 100, "groups must be >= 1");
  expect_build_error({{"g", K::kBnGamma, 0, {4}, 2, 0}}, 100, "expected groups = 1");
  expect_build_error({conv("a", 90, {4, 3, 1, 1}, 1, 0)}, 100, "outside the arena");
  expect_build_error({conv("a", -1, {4, 3, 1, 1}, 1, 0)}, 100, "outside the arena");
  expect_build_error({conv("a", 0, {4, 3, 1, 1}, 1, 0), bn("g", K::kBnGamma, 11, 4, 1)}, 100, "overlap");
  expect_build_error({conv("a", 0, {4, 3, 1, 1}, 1, -2)}, 100, "layer_index must be >= 0");
  expect_build_error({bn("g", K::kBnGamma, 0, 4, 1), bn("g2", K::kBnGamma, 4, 4, 1)}, 100,
                     "one tensor per (layer_index, kind)");
  expect_build_error({{"x", static_cast<K>(7), 0, {4}, 1, 0}}, 100, "unknown kind");
  EXPECT_THROW(FilterTable::build({}, -1), Error);
}

}  // namespace
}  // namespace revive
