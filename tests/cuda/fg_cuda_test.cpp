// Filter Grafting on CUDA against the CPU path (reactivation/fg/fg_cuda.h): ResNet-20 and MobileNetV2
// networks with trained-looking state (dead filters, zero gammas, BN statistics and counters) are
// grafted on both backends through FgReactivator, for every variant, criterion, scope and preset:
// every tensor of every network (parameters, running statistics, num_batches_tracked) must be
// equal bit for bit, and the reports (entropies, alphas, invalid counts, rewritten filters, channel
// coefficients) exactly. The kernels make the CPU's bin decisions (entropy_bin) and float operations
// without FMA contraction, and the coefficients are computed on the host by the CPU's code.
#include <gtest/gtest.h>

#include <cstring>

#include "core/device.h"
#include "reactivation/fg/fg_graft.h"
#include "reactivation/fg/fg_reactivator.h"
#include "support/fg_nets.h"

namespace revive {
namespace {

using testing::expect_same_state;
using testing::make_fg_nets;

void check(const char* model, FgOptions o, uint64_t seed) {
  SCOPED_TRACE(std::string(model) + " N=" + std::to_string(o.models) + " " + fg_variant_name(o.variant) + " " +
               fg_criterion_name(o.criterion) + " " + fg_scope_name(o.scope) + " " + o.preset);
  auto cpu = make_fg_nets(model, o.models, seed, 0.5f), cuda = make_fg_nets(model, o.models, seed, 0.5f);
  for (auto& n : cuda) n.arena->to(Device::cuda());
  ReactivationContext ctx;
  ctx.epoch = 5;
  ctx.seed = 77;
  FgReactivator on_cpu(o), on_cuda(o);
  nlohmann::json t_cpu, t_cuda;
  for (int step = 0; step < 2; ++step) {  // the second step reuses the workspace
    on_cpu.apply(ctx, testing::fg_refs(cpu), t_cpu);
    on_cuda.apply(ctx, testing::fg_refs(cuda), t_cuda);
    testing::expect_same_report(on_cpu.last_report(), on_cuda.last_report());
    expect_same_state(cpu, cuda);
    ++ctx.epoch;
  }
}

FgOptions make(int models, FgVariant variant, FgCriterion criterion, FgScope scope, const char* preset) {
  FgOptions o = fg_preset(preset);
  o.models = models;
  o.variant = variant;
  o.criterion = criterion;
  o.scope = scope;
  return o;
}

TEST(FgCuda, ExternalEqualsCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  for (const char* model : {"resnet20", "mobilenetv2"}) {
    check(model, make(2, FgVariant::kExternal, FgCriterion::kEntropy, FgScope::kReference, "reference"), 1);
    check(model, make(4, FgVariant::kExternal, FgCriterion::kEntropy, FgScope::kReference, "paper"), 2);
    check(model, make(3, FgVariant::kExternal, FgCriterion::kEntropy, FgScope::kConvOnly, "reference"), 3);
    check(model, make(3, FgVariant::kExternal, FgCriterion::kL1, FgScope::kReference, "paper"), 4);
  }
}

TEST(FgCuda, VariantsEqualCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  for (const char* model : {"resnet20", "mobilenetv2"}) {
    check(model, make(1, FgVariant::kNoise, FgCriterion::kEntropy, FgScope::kReference, "paper"), 5);
    check(model, make(2, FgVariant::kNoise, FgCriterion::kEntropy, FgScope::kReference, "paper"), 6);
    check(model, make(2, FgVariant::kInternal, FgCriterion::kEntropy, FgScope::kReference, "paper"), 7);
    check(model, make(3, FgVariant::kFilter, FgCriterion::kEntropy, FgScope::kReference, "paper"), 8);
  }
}

TEST(FgCuda, GraftFromAScionEqualsCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  auto cpu = make_fg_nets("resnet20", 2, 9), cuda = make_fg_nets("resnet20", 2, 9);
  for (auto& n : cuda) n.arena->to(Device::cuda());
  const FgOptions o = fg_preset("reference");
  const FgReport a = fg_graft_from(testing::fg_refs(cpu)[0], testing::fg_refs(cpu)[1], o);
  const FgReport b = fg_graft_from(testing::fg_refs(cuda)[0], testing::fg_refs(cuda)[1], o);
  EXPECT_EQ(a.alpha, b.alpha);
  expect_same_state(cpu, cuda);
}

}  // namespace
}  // namespace revive
