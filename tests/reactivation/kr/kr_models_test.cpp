// Kernel Reactivation on real models' arenas: on ResNet-20, only the selected kernels change, and
// each keeps its signs and in-kernel ratios and ends with its best kernel's L1 norm (§3.2);
// on all nine models, under every option that changes a selection, the fast CPU path selects and
// writes exactly what the reference does, on any number of threads.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <set>

#include "nn/models/registry.h"
#include "reactivation/kr/kr_math.h"
#include "tests/reactivation/kr/kr_test_util.h"

namespace revive {
namespace {

TEST(KrModels, ResNet20OnlySelectedKernelsChangeTowardsTheBestNorm) {
  kr_test::ModelArena m = kr_test::model_arena("resnet20");
  std::vector<float> after = m.weights;
  KrState state;
  KrSelection sel;
  const KrReport r = kr_reference_step(m.table, after.data(), static_cast<int64_t>(after.size()),
                                       kr_test::busy_options(), kr_test::first_epoch(), state, &sel);
  ASSERT_GT(r.rescaled_kernels, 10);
  EXPECT_GT(r.skipped_zero_norm, 0);

  const FilterTableLayers& L = m.table.layers();
  const FilterTableFilters& F = m.table.filters();
  std::set<std::pair<int32_t, int32_t>> selected(sel.invalid_kernels.begin(), sel.invalid_kernels.end());
  std::vector<bool> in_selected(after.size(), false);
  int64_t changed_kernels = 0;
  for (const auto& [f, c] : selected) {
    const int32_t l = F.layer[f], len = L.slice_len[l];
    const int64_t at = F.offset[f] + static_cast<int64_t>(c) * len;
    for (int32_t e = 0; e < len; ++e) in_selected[static_cast<size_t>(at + e)] = true;
    const float* before = m.weights.data() + at;
    const float* now = after.data() + at;
    if (std::equal(before, before + len, now)) continue;  // skipped (zero), or R = 1
    ++changed_kernels;
    // The best kernel's norm, as it was (it is never rescaled).
    float best = 0;
    for (int32_t k = 0; k < L.n_slices[l]; ++k)
      best = std::max(best, kr_kernel_l1(after.data() + F.offset[f] + static_cast<int64_t>(k) * len, len));
    EXPECT_NEAR(kr_kernel_l1(now, len), best, 1e-5f * best) << "filter " << f << " kernel " << c;
    const float ratio = now[0] / before[0];
    for (int32_t e = 0; e < len; ++e) {
      EXPECT_EQ(std::signbit(now[e]), std::signbit(before[e]));
      if (before[e] != 0) {
        EXPECT_NEAR(now[e] / before[e], ratio, 1e-5f * ratio);
      }
    }
  }
  EXPECT_EQ(changed_kernels, r.rescaled_kernels);
  for (size_t i = 0; i < after.size(); ++i)
    if (!in_selected[i]) {
      ASSERT_EQ(float_bits(after[i]), float_bits(m.weights[i])) << "element " << i;
    }
}

void fast_equals_reference(const std::string& name) {
  SCOPED_TRACE(name);
  kr_test::ModelArena m = kr_test::model_arena(name);
  for (const auto& [label, o] : kr_test::option_variants()) {
    SCOPED_TRACE(label);
    std::vector<float> ref = m.weights, fast = m.weights;
    KrState ref_state, fast_state;
    KrSelection sel;
    const int64_t n = static_cast<int64_t>(ref.size());
    const KrReport want = kr_reference_step(m.table, ref.data(), n, o, kr_test::first_epoch(), ref_state, &sel);
    KrScratch scratch;
    const KrReport got = kr_apply_cpu(m.table, fast.data(), n, o, kr_test::first_epoch(), fast_state, &scratch);
    kr_test::expect_same_counts(want, got);
    kr_test::expect_same_bits(ref, fast);
    const std::vector<int32_t> invalid(scratch.invalid_filters.begin(),
                                       scratch.invalid_filters.begin() + got.invalid_filters);
    EXPECT_EQ(invalid, sel.invalid_filters);
    if (label == "busy") {
      EXPECT_GT(want.rescaled_kernels, 0);
    }
  }
}

TEST(KrModels, FastPathEqualsReferenceResNet20) { fast_equals_reference("resnet20"); }
TEST(KrModels, FastPathEqualsReferenceResNet32) { fast_equals_reference("resnet32"); }
TEST(KrModels, FastPathEqualsReferenceResNet56) { fast_equals_reference("resnet56"); }
TEST(KrModels, FastPathEqualsReferenceResNet110) { fast_equals_reference("resnet110"); }
TEST(KrModels, FastPathEqualsReferenceMobileNetV1) { fast_equals_reference("mobilenetv1"); }
TEST(KrModels, FastPathEqualsReferenceMobileNetV2) { fast_equals_reference("mobilenetv2"); }
TEST(KrModels, FastPathEqualsReferenceShuffleNetV1) { fast_equals_reference("shufflenetv1"); }
TEST(KrModels, FastPathEqualsReferenceDenseNet40) { fast_equals_reference("densenet40"); }
TEST(KrModels, FastPathEqualsReferenceSmallCnn) { fast_equals_reference("cnn"); }

// C2's layers and C3's invalid filters are split over the threads; every split writes the
// reference's bits. One scratch serves every thread count, as a run's does when its threads change.
// Five threads are more than the cores: the split is what is tested.
TEST(KrModels, FastPathIsTheSameOnAnyNumberOfThreads) {
  const int max_threads = omp_get_max_threads();
  for (const std::string name : {"resnet56", "mobilenetv2"}) {
    SCOPED_TRACE(name);
    kr_test::ModelArena m = kr_test::model_arena(name);
    const KrOptions o = kr_test::busy_options();
    std::vector<float> ref = m.weights;
    const int64_t n = static_cast<int64_t>(ref.size());
    KrState ref_state;
    const KrReport want = kr_reference_step(m.table, ref.data(), n, o, kr_test::first_epoch(), ref_state);
    ASSERT_GT(want.invalid_filters, 100);  // several chunks for every thread
    KrScratch scratch;
    for (int threads : {1, 2, 3, 5}) {
      SCOPED_TRACE(threads);
      omp_set_num_threads(threads);
      std::vector<float> fast = m.weights;
      KrState fast_state;
      const KrReport got = kr_apply_cpu(m.table, fast.data(), n, o, kr_test::first_epoch(), fast_state, &scratch);
      kr_test::expect_same_counts(want, got);
      kr_test::expect_same_bits(ref, fast);
    }
  }
  omp_set_num_threads(max_threads);
}

TEST(KrModels, EveryModelIsCovered) { EXPECT_EQ(nn::models::model_names().size(), 9u); }

}  // namespace
}  // namespace revive
