// FG's fast CPU path (wave pipeline, variants) against the readable reference, bit for bit, on
// ResNet-20 and MobileNetV2 networks, for every variant, criterion, scope and preset, with 2 and 3
// networks, and on 1 and 3 threads.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>

#include "reactivation/fg/fg_cpu.h"
#include "reactivation/fg/reference.h"
#include "support/fg_nets.h"

namespace revive {
namespace {

using testing::fg_networks;
using testing::fg_states;
using testing::expect_same_report;
using testing::expect_same_state;
using testing::make_fg_nets;

struct Case {
  const char* model;
  int models;
  FgVariant variant;
  FgCriterion criterion;
  FgScope scope;
  const char* preset;
};

std::string describe(const Case& c) {
  return std::string(c.model) + " N=" + std::to_string(c.models) + " " + fg_variant_name(c.variant) + " " +
         fg_criterion_name(c.criterion) + " " + fg_scope_name(c.scope) + " " + c.preset;
}

void check(const Case& c, uint64_t seed) {
  SCOPED_TRACE(describe(c));
  FgOptions o = fg_preset(c.preset);
  o.models = c.models;
  o.variant = c.variant;
  o.criterion = c.criterion;
  o.scope = c.scope;
  auto ref_nets = make_fg_nets(c.model, c.models, seed, 0.5f);
  auto fast_nets = make_fg_nets(c.model, c.models, seed, 0.5f);
  const std::vector<float> before = fast_nets[0].arena->params().to_vector<float>();
  const FgLayout L = fg_layout(*ref_nets[0].model, *ref_nets[0].arena, c.scope);
  const FgReport ref = fg_reference_step(L, fg_states(ref_nets), o, 4, 99);
  FgCpuScratch scratch;
  const FgReport got = fg_apply_cpu(L, fg_networks(fast_nets), o, 4, 99, scratch);
  expect_same_report(ref, got);
  expect_same_state(ref_nets, fast_nets);
  // The step changes something (a test that cannot fail would pass here too).
  EXPECT_NE(before, fast_nets[0].arena->params().to_vector<float>());
}

TEST(FgCpu, ExternalEqualsReference) {
  // Each criterion with each scope, each preset, 2 and 3 networks, on both architectures.
  for (const char* model : {"resnet20", "mobilenetv2"}) {
    check({model, 2, FgVariant::kExternal, FgCriterion::kEntropy, FgScope::kReference, "reference"}, 3);
    check({model, 3, FgVariant::kExternal, FgCriterion::kEntropy, FgScope::kReference, "paper"}, 3);
    check({model, 3, FgVariant::kExternal, FgCriterion::kEntropy, FgScope::kConvOnly, "paper"}, 3);
    check({model, 3, FgVariant::kExternal, FgCriterion::kL1, FgScope::kConvOnly, "reference"}, 3);
    check({model, 2, FgVariant::kExternal, FgCriterion::kL1, FgScope::kReference, "paper"}, 3);
  }
}

TEST(FgCpu, VariantsEqualReference) {
  for (const char* model : {"resnet20", "mobilenetv2"}) {
    for (int n : {1, 2}) {
      check({model, n, FgVariant::kNoise, FgCriterion::kEntropy, FgScope::kReference, "paper"}, 5);
      check({model, n, FgVariant::kInternal, FgCriterion::kEntropy, FgScope::kReference, "paper"}, 6);
    }
    check({model, 2, FgVariant::kFilter, FgCriterion::kEntropy, FgScope::kReference, "paper"}, 7);
    check({model, 3, FgVariant::kFilter, FgCriterion::kEntropy, FgScope::kReference, "paper"}, 8);
  }
}

TEST(FgCpu, SameBitsOnAnyThreadCount) {
  // MobileNetV2's last convs of 3 networks are larger than a wave on 1 and on 3 threads, so their
  // one-network waves run here too (fg_cpu_parts.h, Wave).
  const int saved = omp_get_max_threads();
  for (int threads : {1, 3}) {
    omp_set_num_threads(threads);
    check({"mobilenetv2", 3, FgVariant::kExternal, FgCriterion::kEntropy, FgScope::kReference, "reference"}, 9);
    check({"resnet20", 2, FgVariant::kInternal, FgCriterion::kEntropy, FgScope::kReference, "paper"}, 10);
  }
  omp_set_num_threads(saved);
}

TEST(FgCpu, CountsSkippedAlphasOnAnyThreadCount) {
  // A NaN in several groups' convs of network 1 makes their L1 criteria NaN, so networks 1 and 2 skip
  // those groups' alphas; the threads that compute the groups' coefficients count them apart.
  FgOptions o = fg_preset("reference");
  o.models = 3;
  o.criterion = FgCriterion::kL1;
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE(threads);
    omp_set_num_threads(threads);
    auto ref_nets = make_fg_nets("resnet20", 3, 13), fast_nets = make_fg_nets("resnet20", 3, 13);
    const FgLayout L = fg_layout(*ref_nets[0].model, *ref_nets[0].arena, o.scope);
    for (auto* nets : {&ref_nets, &fast_nets})
      for (int g = 0; g < L.n_groups(); g += 4) (*nets)[1].arena->params().data<float>()[L.groups()[g].offset] = NAN;
    const FgReport ref = fg_reference_step(L, fg_states(ref_nets), o, 0, 0);
    FgCpuScratch scratch;
    const FgReport got = fg_apply_cpu(L, fg_networks(fast_nets), o, 0, 0, scratch);
    EXPECT_EQ(ref.skipped, 2 * ((L.n_groups() + 3) / 4));
    EXPECT_EQ(ref.skipped, got.skipped);
    expect_same_state(ref_nets, fast_nets);
  }
  omp_set_num_threads(saved);
}

TEST(FgCpu, ScratchFollowsTheLayoutAndNetworkCount) {
  // One scratch serving steps of different network counts replans rather than reading stale sizes.
  FgCpuScratch scratch;
  for (int n : {2, 3, 2}) {
    FgOptions o = fg_preset("reference");
    o.models = n;
    auto a = make_fg_nets("resnet20", n, 11), b = make_fg_nets("resnet20", n, 11);
    const FgLayout L = fg_layout(*a[0].model, *a[0].arena, o.scope);
    const FgReport ref = fg_reference_step(L, fg_states(a), o, 0, 0);
    expect_same_report(ref, fg_apply_cpu(L, fg_networks(b), o, 0, 0, scratch));
    expect_same_state(a, b);
  }
}

TEST(FgCpu, RefusesNetworksThatShareStorage) {
  FgOptions o = fg_preset("reference");
  o.models = 2;
  auto a = make_fg_nets("resnet20", 2, 12);
  const FgLayout L = fg_layout(*a[0].model, *a[0].arena, o.scope);
  FgCpuScratch scratch;
  std::vector<FgNetwork> nets = fg_networks(a);
  nets[1].buffers[3] = nets[0].buffers[3];
  EXPECT_THROW(fg_apply_cpu(L, nets, o, 0, 0, scratch), Error);
  nets = fg_networks(a);
  nets[1].arena = nets[0].arena;
  EXPECT_THROW(fg_apply_cpu(L, nets, o, 0, 0, scratch), Error);
  nets = fg_networks(a);
  EXPECT_NO_THROW(fg_apply_cpu(L, nets, o, 0, 0, scratch));
}

}  // namespace
}  // namespace revive
