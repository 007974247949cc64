// Kernel Reactivation on CUDA against the fast CPU path (reactivation/kr/kr_cuda.h,
// docs/kernel-reactivation.md, §0.2): on the filter tables of all nine models with
// trained-like weights (near-dead filters, zero kernels, ties), under every option set that changes
// a selection, the norms must match bit for bit, the invalid filters exactly, the report exactly
// and the rescaled arena bit for bit (the kernels run the CPU's float operations without FMA
// contraction). Also: an epoch that does not step (only the fractions), filters of more kernels
// than a block has threads, and KrReactivator on a CUDA arena.
#include "reactivation/kr/kr_cuda.h"

#include <gtest/gtest.h>

#include "core/device.h"
#include "cuda/cuda_test_util.h"
#include "nn/models/registry.h"
#include "reactivation/kr/kr_reactivator.h"
#include "reactivation/order_keys.h"
#include "tests/reactivation/kr/kr_test_util.h"

namespace revive {
namespace {

// The step on the CPU and on CUDA from the same weights: every output equal.
void expect_cuda_equals_cpu(const FilterTable& table, const std::vector<float>& weights, const KrOptions& o,
                            const ReactivationContext& ctx) {
  std::vector<float> cpu = weights;
  KrState cpu_state, cuda_state;
  KrScratch scratch;
  const KrReport want = kr_apply_cpu(table, cpu.data(), static_cast<int64_t>(cpu.size()), o, ctx, cpu_state, &scratch);
  Tensor arena = Tensor::from_vector(weights, {static_cast<int64_t>(weights.size())}).to(Device::cuda());
  KrCudaWorkspace workspace(table, o);
  const KrReport got = kr_apply_cuda(table, arena.data<float>(), arena.numel(), o, ctx, cuda_state, workspace);
  kr_test::expect_same_counts(want, got);
  EXPECT_EQ(cpu_state.steps_applied, cuda_state.steps_applied);
  const KrCudaTrace trace = kr_cuda_trace(workspace);
  kr_test::expect_same_bits(scratch.l1, trace.l1);
  kr_test::expect_same_bits(scratch.importance, trace.importance);
  if (want.applied) {
    const std::vector<int32_t> invalid(scratch.invalid_filters.begin(),
                                       scratch.invalid_filters.begin() + want.invalid_filters);
    EXPECT_EQ(invalid, trace.invalid_filters);
  }
  kr_test::expect_same_bits(cpu, arena.to_vector<float>());
}

void check_model(const std::string& name) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  SCOPED_TRACE(name);
  const kr_test::ModelArena m = kr_test::model_arena(name);
  for (const auto& [label, o] : kr_test::option_variants()) {
    SCOPED_TRACE(label);
    expect_cuda_equals_cpu(m.table, m.weights, o, kr_test::first_epoch());
  }
}

TEST(KrCuda, ResNet20) { check_model("resnet20"); }
TEST(KrCuda, ResNet32) { check_model("resnet32"); }
TEST(KrCuda, ResNet56) { check_model("resnet56"); }
TEST(KrCuda, ResNet110) { check_model("resnet110"); }
TEST(KrCuda, MobileNetV1) { check_model("mobilenetv1"); }
TEST(KrCuda, MobileNetV2) { check_model("mobilenetv2"); }
TEST(KrCuda, ShuffleNetV1) { check_model("shufflenetv1"); }
TEST(KrCuda, DenseNet40) { check_model("densenet40"); }
TEST(KrCuda, SmallCnn) { check_model("cnn"); }

TEST(KrCuda, EpochWithoutAStepReportsTheFractionsOnly) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const kr_test::ModelArena m = kr_test::model_arena("resnet20");
  KrOptions o = kr_preset("cifar");
  ReactivationContext ctx = kr_test::first_epoch();
  ctx.epoch = 3;  // E = 10: no step
  expect_cuda_equals_cpu(m.table, m.weights, o, ctx);
}

TEST(KrCuda, FiltersOfMoreKernelsThanThreads) {
  // 1x1 filters of 300 and 1000 kernels (more than a block's threads), half of them rescaled, and a
  // layer of 700 filters for C2's select.
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  kr_test::TinyNet net;
  Rng rng(3);
  std::vector<float> w(static_cast<size_t>(4 * 300));
  for (float& x : w) x = rng.normal();
  net.conv({4, 300, 1, 1}, w);
  w.assign(static_cast<size_t>(3 * 1000 * 4), 0.0f);
  for (float& x : w) x = rng.uniform() < 0.1f ? 0.0f : rng.normal();
  net.conv({3, 1000, 2, 2}, w);
  w.resize(static_cast<size_t>(700 * 2));
  for (float& x : w) x = rng.normal() * (rng.uniform() < 0.5f ? 1e-3f : 1.0f);
  net.conv({700, 2, 1, 1}, w);
  const FilterTable table = net.table();
  for (const double gamma : {0.5, 1.0})
    expect_cuda_equals_cpu(table, net.arena, kr_test::options_with(1, 1, gamma), kr_test::first_epoch());
  expect_cuda_equals_cpu(table, net.arena, kr_test::options_with(0.3, 0.4, 0.5), kr_test::first_epoch());
}

// Without a device (or without the CUDA backend) the workspace cannot exist, and says why.
TEST(KrCuda, WithoutADeviceTheWorkspaceIsAClearError) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  kr_test::TinyNet net;
  net.conv({1, 2, 1, 1}, {1, 2});
  const FilterTable table = net.table();
  EXPECT_NE(testing::error_message([&] { KrCudaWorkspace workspace(table, kr_preset("cifar")); }).find("CUDA"),
            std::string::npos);
}

TEST(KrCuda, ReactivatorOnACudaArenaEqualsTheCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  auto model = nn::models::make_model("resnet20", 3, 10);
  nn::ParameterArena cpu = nn::ParameterArena::build(*model, Device::cpu(), 6);
  nn::ParameterArena gpu = nn::ParameterArena::build(*model, Device::cuda(), 6);
  Tensor gpu_params = gpu.params();  // a handle on the arena's storage
  gpu_params.copy_from(cpu.params().to(Device::cuda()));
  KrOptions o = kr_preset("cifar");
  o.gamma0 = 0.5;
  KrReactivator on_cpu(o), on_gpu(o);
  nlohmann::json a, b;
  for (int e = 0; e < 20; ++e) {
    ReactivationContext ctx;
    ctx.epoch = e;
    ctx.total_epochs = 20;
    on_cpu.apply_one(ctx, *model, cpu, a);
    on_gpu.apply_one(ctx, *model, gpu, b);
    a.erase("elapsed_us");
    b.erase("elapsed_us");
    EXPECT_EQ(a, b) << "epoch " << e;
  }
  kr_test::expect_same_bits(cpu.params().to_vector<float>(), gpu.params().to_vector<float>());
  EXPECT_EQ(on_cpu.state(), on_gpu.state());
}

}  // namespace
}  // namespace revive
