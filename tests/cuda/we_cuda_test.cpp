// Weight Evolution on CUDA against the CPU path (reactivation/we/we_cuda.h,
// docs/weight-evolution.md, docs/reactivation.md §0.2): on the filter tables of ResNet-20 and MobileNetV2 with seeded weights,
// near-dead, all-zero and tied filters, for option sets that reach every branch (presets, WE-G,
// WE-L, WE-RM, fixed alpha, filter-level blends, group-aware RI, the fallback) and both sorts of
// stage (d), every stage's output must match: the filter norms and thresholds bit for bit, every
// layer's selection and every pair exactly, the report and the fallback counters exactly, and the
// rewritten arena within 1e-6 (the kernels run the CPU's float operations without FMA contraction,
// so it is in fact equal). Also: a step captured in a CUDA Graph, a layer too long for the block
// sort, several epochs carrying the fallback counters, and WeReactivator on a CUDA arena. And both
// sorts against the readable reference (reactivation/we/reference.h) on the zoo of
// tests/support/we_zoo.h: every model, both presets, every ablation, several epochs.
#include "reactivation/we/we_cuda.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/rng.h"
#include "cuda/cuda_test_util.h"
#include "kernels/cuda_graph.h"
#include "kernels/device_runtime.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "reactivation/arena_tensors.h"
#include "reactivation/we/we_reactivator.h"
#include "reactivation/we/we_select.h"
#include "support/we_zoo.h"

namespace revive {
namespace {

constexpr WeCudaSort kSorts[] = {WeCudaSort::kBlock, WeCudaSort::kDeviceSegmented};

// Shrinks a seeded third of the filters of every conv and BN tensor (trained nets have near-dead
// filters, fresh ones none), zeroes a few (zero denominators) and copies some filters onto their
// neighbours (equal importances: the ties that the stable order breaks by index).
void shape_weights(std::vector<float>& w, const FilterTable& table, uint64_t seed) {
  const FilterTableLayers& L = table.layers();
  Rng rng(seed, 7);
  for (int l = 0; l < table.n_layers(); ++l) {
    const int64_t len = L.filter_len[l];
    for (int32_t j = 0; j < L.n_filters[l]; ++j) {
      float* f = w.data() + L.offset[l] + j * len;
      const float u = rng.uniform();
      if (u < 0.3f) {
        for (int64_t i = 0; i < len; ++i) f[i] *= 1e-3f;
      } else if (u < 0.35f) {
        std::fill(f, f + len, 0.0f);
      } else if (u < 0.45f && j > 0) {
        std::copy(f - len, f, f);
      }
    }
  }
}

struct Model {
  std::vector<float> weights;
  FilterTable table;
};

Model make_model(const std::string& name, uint64_t seed) {
  auto module = nn::models::make_model(name, 1, 10);
  nn::ParameterArena arena = nn::ParameterArena::build(*module, Device::cpu(), seed);
  Model m;
  m.table = FilterTable::build(reactivatable_tensors(arena), arena.params().numel());
  m.weights = arena.params().to_vector<float>();
  shape_weights(m.weights, m.table, seed);
  return m;
}

uint32_t bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

void expect_same_bits(const std::vector<float>& cpu, const std::vector<float>& cuda, const char* what) {
  ASSERT_EQ(cpu.size(), cuda.size()) << what;
  for (size_t i = 0; i < cpu.size(); ++i)
    ASSERT_EQ(bits(cpu[i]), bits(cuda[i])) << what << "[" << i << "]: CPU " << cpu[i] << ", CUDA " << cuda[i];
}

nlohmann::json without_time(WeReport r) {
  r.elapsed_us = 0;
  r.stage_us = {};  // timed on the CPU only
  return r.to_json();
}

// The threshold key of every enabled pool as the CPU path computes it.
std::array<uint64_t, kNumReactivatableKinds> cpu_thresholds(const FilterTable& table, const std::vector<float>& imp,
                                                            const WeReport& report) {
  std::array<uint64_t, kNumReactivatableKinds> th{};
  for (int k = 0; k < kNumReactivatableKinds; ++k) {
    if (!report.pools[k].enabled) continue;
    std::vector<uint32_t> keys;
    for (int l = 0; l < table.n_layers(); ++l)
      if (static_cast<int>(table.layers().kind[l]) == k)
        for (int32_t f = table.layers().first_filter[l]; f < table.layers().first_filter[l + 1]; ++f)
          keys.push_back(magnitude_key(imp[f]));
    th[k] = we_global_threshold(keys, report.pools[k].threshold_rank);
  }
  return th;
}

void expect_same_selection(const WeLayerSelection& a, const WeLayerSelection& b, const std::string& layer) {
  EXPECT_EQ(a.n_filters, b.n_filters) << layer;
  EXPECT_EQ(a.n_tbd, b.n_tbd) << layer;
  EXPECT_EQ(a.n_ri, b.n_ri) << layer;
  EXPECT_EQ(a.n_inferior, b.n_inferior) << layer;
  EXPECT_EQ(a.n_pairs, b.n_pairs) << layer;
  EXPECT_EQ(a.fallback_forced, b.fallback_forced) << layer;
  EXPECT_EQ(a.inferior_bound, b.inferior_bound) << layer;
}

// Runs `steps` consecutive epochs from `first_epoch` on both paths from the same weights and
// fallback counters, comparing every stage after each. Returns the CPU's total pairs.
int64_t compare_steps(const Model& m, const WeOptions& o, WeCudaSort sort, int first_epoch, int steps = 1) {
  std::vector<float> cpu = m.weights;
  Tensor cuda = Tensor::from_vector(m.weights, {static_cast<int64_t>(m.weights.size())}).to(Device::cuda());
  WeState cpu_state, cuda_state;
  cpu_state.fallback_counter = cuda_state.fallback_counter = {3, 1, 2};
  WeScratch scratch;
  WeCudaWorkspace workspace(m.table, Device::cuda(), sort);
  EXPECT_EQ(workspace.sort(), sort);
  const std::vector<int> boundaries{0, 60, 120};
  int64_t pairs = 0;
  for (int epoch = first_epoch; epoch < first_epoch + steps; ++epoch) {
    SCOPED_TRACE("epoch " + std::to_string(epoch));
    const WeReport cpu_report =
        we_apply_cpu(m.table, cpu.data(), static_cast<int64_t>(cpu.size()), o, epoch, boundaries, cpu_state, &scratch);
    const WeReport cuda_report = we_apply_cuda(m.table, cuda.data<float>(), cuda.numel(), o, epoch, boundaries,
                                               cuda_state, workspace, kernels::current_stream(Device::cuda()));
    const WeCudaTrace trace = we_cuda_trace(workspace, kernels::current_stream(Device::cuda()));
    // (a) norms; (b) thresholds; (c) selections; (d) pairs; (e) the arena; and what is reported.
    expect_same_bits(scratch.l1, trace.l1, "l1");
    expect_same_bits(scratch.importance, trace.importance, "importance");
    const auto th = cpu_thresholds(m.table, scratch.importance, cpu_report);
    for (int k = 0; k < kNumReactivatableKinds; ++k) EXPECT_EQ(th[k], trace.threshold[k]) << "pool " << k;
    EXPECT_EQ(scratch.selection.size(), trace.selection.size());
    for (int l = 0; l < m.table.n_layers() && static_cast<size_t>(l) < trace.selection.size(); ++l)
      expect_same_selection(scratch.selection[l], trace.selection[l], m.table.layer_names()[l]);
    EXPECT_EQ(scratch.pairs.dominant, trace.pairs.dominant);
    EXPECT_EQ(scratch.pairs.inferior, trace.pairs.inferior);
    EXPECT_ALLCLOSE(cpu, cuda.to_vector<float>(), 1e-6, 0);
    EXPECT_EQ(without_time(cpu_report), without_time(cuda_report));
    EXPECT_EQ(cpu_state.fallback_counter, cuda_state.fallback_counter);
    for (const WePoolReport& p : cpu_report.pools) pairs += p.pairs;
  }
  return pairs;
}

struct Case {
  std::string name;
  std::string preset;
  std::vector<std::string> ablations;
  std::vector<std::string> overrides;
  int epoch = 100;  // late in stage 2 of {0, 60, 120}: a sizeable rate
};

// Every branch of stages (c)-(e): both presets (paper: strict RI, adaptive blend, element crossover
// of every conv; reference: inclusive RI, fallback, harmonic blend, filter-level 1x1 convs), WE-G
// with a rate that makes c > N/2, WE-L, reverse matching, a fixed alpha, filter-level blends
// everywhere, and group-aware RI.
std::vector<Case> cases() {
  return {{"paper", "paper", {}, {}},
          {"reference", "reference", {}, {}},
          // Epoch 59: r = 0.9 sigmoid(59/15) = 0.88 of every pool is a candidate.
          {"we_g_c_over_half", "paper", {"we-g"}, {"rate_conv=0.9", "rate_bn_gamma=0.9", "rate_bn_beta=0.9"}, 59},
          {"we_l", "paper", {"we-l"}, {"ri_threshold=0.3"}},
          {"we_rm", "reference", {"we-rm"}, {"rate_conv=0.6"}},
          {"fixed_alpha", "paper", {"fixed-alpha=0.3"}, {}},
          {"filter_level", "reference", {"filter-level-gl"}, {}},
          {"group_aware", "reference", {}, {"group_aware_ri=true", "filter_level_blend=none"}}};
}

void compare_model(const std::string& model) {
  const Model m = make_model(model, 5);
  for (const Case& c : cases()) {
    for (WeCudaSort sort : kSorts) {
      SCOPED_TRACE(model + " " + c.name + " " + we_cuda_sort_name(sort));
      const WeOptions o = parse_we_options(c.preset, c.ablations, c.overrides);
      EXPECT_GT(compare_steps(m, o, sort, c.epoch), 0) << "the case must exercise matching and crossover";
    }
  }
}

TEST(WeCuda, ResNet20MatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  compare_model("resnet20");
}

TEST(WeCuda, MobileNetV2MatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  compare_model("mobilenetv2");
}

TEST(WeCuda, FallbackCountersCarryAcrossEpochs) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  // Nothing is within lambda = 0 with "<", so in every layer with candidates the counters climb,
  // force one inferior filter and reset, layer after layer and epoch after epoch.
  const Model m = make_model("resnet20", 8);
  const WeOptions o = parse_we_options("reference", {}, {"ri_threshold=0", "ri_inclusive=false"});
  for (WeCudaSort sort : kSorts) {
    SCOPED_TRACE(we_cuda_sort_name(sort));
    EXPECT_GT(compare_steps(m, o, sort, 0, 4), 0);
  }
}

TEST(WeCuda, AllZeroArenaCountsZeroDenominators) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  // Every importance is 0: no global candidate, and none within lambda with "<"; WE-L's fallback
  // still forces pairs, whose blends all have zero denominators (skipped and counted, never NaN).
  Model m = make_model("resnet20", 2);
  std::fill(m.weights.begin(), m.weights.end(), 0.0f);
  const WeOptions o = parse_we_options("reference", {"we-l"}, {"ri_inclusive=false"});
  for (WeCudaSort sort : kSorts) EXPECT_GT(compare_steps(m, o, sort, 10), 0);
}

// A BN of 3000 channels is longer than the block sort's tile: the workspace falls back to the
// device-wide sort and still matches the CPU.
TEST(WeCuda, LayerLongerThanTheBlockTileFallsBack) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const int64_t c = 3000;
  std::vector<ReactivatableTensor> tensors{{"conv", ReactivatableKind::kConvWeight, 0, {c, 4, 3, 3}, 1, 0},
                                           {"bn.weight", ReactivatableKind::kBnGamma, c * 36, {c}, 1, 1},
                                           {"bn.bias", ReactivatableKind::kBnBeta, c * 37, {c}, 1, 1}};
  Model m;
  m.table = FilterTable::build(tensors, c * 38);
  m.weights.resize(static_cast<size_t>(c * 38));
  Rng rng(4);
  for (float& x : m.weights) x = 0.1f * rng.normal();
  shape_weights(m.weights, m.table, 4);
  ASSERT_GT(m.table.layers().n_filters[0], kWeBlockSortCapacity);
  EXPECT_EQ(WeCudaWorkspace(m.table, Device::cuda(), WeCudaSort::kBlock).sort(), WeCudaSort::kDeviceSegmented);
  for (const char* preset : {"paper", "reference"}) {
    const WeOptions o = parse_we_options(preset, {}, {});
    EXPECT_GT(compare_steps(m, o, WeCudaSort::kDeviceSegmented, 40), 0) << preset;
  }
}

// The default step, captured once in a CUDA Graph and replayed on the original weights, gives what
// an uncaptured step gives.
TEST(WeCuda, BlockSortStepIsCapturable) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const Model m = make_model("mobilenetv2", 6);
  const WeOptions o = parse_we_options("reference", {"we-rm"}, {});
  const Tensor start = Tensor::from_vector(m.weights, {static_cast<int64_t>(m.weights.size())}).to(Device::cuda());
  WeCudaWorkspace workspace(m.table, Device::cuda(), WeCudaSort::kBlock);
  const StreamHandle stream = kernels::current_stream(Device::cuda());
  Tensor direct = start.clone();
  WeState direct_state;
  const WeReport expected =
      we_apply_cuda(m.table, direct.data<float>(), direct.numel(), o, 30, {0}, direct_state, workspace, stream);

  Tensor arena = start.clone();
  WeState state;
  WeReport report;
  kernels::CudaGraph graph([&] {
    report = we_enqueue_cuda(m.table, arena.data<float>(), arena.numel(), o, 30, {0}, state, workspace, stream);
  });
  for (int replay = 0; replay < 2; ++replay) {
    arena.copy_from(start);
    graph.replay();
    WeReport r = report;
    WeState s = state;
    we_finish_cuda(r, s, workspace, stream);
    EXPECT_EQ(direct.to_vector<float>(), arena.to_vector<float>()) << "replay " << replay;
    EXPECT_EQ(without_time(expected), without_time(r));
    EXPECT_EQ(direct_state.fallback_counter, s.fallback_counter);
  }
  EXPECT_GT(expected.pools[0].pairs, 0);
}

// WeReactivator runs where the arena is: a CUDA arena gives the CPU arena's weights and telemetry.
TEST(WeCuda, ReactivatorDispatchesOnTheArenaDevice) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  auto model = nn::models::make_model("resnet20", 1, 10);
  nn::ParameterArena cpu = nn::ParameterArena::build(*model, Device::cpu(), 3);
  FilterTable table = FilterTable::build(reactivatable_tensors(cpu), cpu.params().numel());
  std::vector<float> w = cpu.params().to_vector<float>();
  shape_weights(w, table, 3);
  Tensor cpu_params = cpu.params();  // a handle on the arena's storage
  cpu_params.copy_from(Tensor::from_vector(w, {static_cast<int64_t>(w.size())}));
  nn::ParameterArena cuda = nn::ParameterArena::build(*model, Device::cuda(), 3);
  Tensor cuda_params = cuda.params();
  cuda_params.copy_from(cpu_params.to(Device::cuda()));
  WeReactivator on_cpu(parse_we_options("reference", {}, {})), on_cuda(parse_we_options("reference", {}, {}));
  for (int epoch = 0; epoch < 3; ++epoch) {
    ReactivationContext ctx;
    ctx.epoch = 20 + epoch;
    nlohmann::json t_cpu, t_cuda;
    on_cpu.apply_one(ctx, *model, cpu, t_cpu);
    on_cuda.apply_one(ctx, *model, cuda, t_cuda);
    for (const char* timing : {"elapsed_us", "stage_us"}) {
      t_cpu.erase(timing);
      t_cuda.erase(timing);
    }
    EXPECT_EQ(t_cpu, t_cuda);
    EXPECT_EQ(on_cpu.state(), on_cuda.state());
  }
  EXPECT_EQ(cpu.params().to_vector<float>(), cuda.params().to_vector<float>());
}

// The CUDA path as one of the zoo's tuned paths.
class WeCudaPath : public testing::WeTunedPath {
 public:
  WeCudaPath(const FilterTable& table, WeCudaSort sort) : workspace_(table, Device::cuda(), sort) {}
  std::string name() const override { return std::string("cuda ") + we_cuda_sort_name(workspace_.sort()); }
  void start(const std::vector<float>& weights) override {
    arena_ = Tensor::from_vector(weights, {static_cast<int64_t>(weights.size())}).to(Device::cuda());
  }
  WeReport step(const FilterTable& table, const WeOptions& o, int epoch, WeState& state) override {
    return we_apply_cuda(table, arena_.data<float>(), arena_.numel(), o, epoch, testing::kWeZooBoundaries, state,
                         workspace_, kernels::current_stream(Device::cuda()));
  }
  testing::WeTunedDecisions decisions() override {
    WeCudaTrace t = we_cuda_trace(workspace_, kernels::current_stream(Device::cuda()));
    return {std::move(t.l1), std::move(t.importance), t.threshold, std::move(t.selection), std::move(t.pairs)};
  }
  const std::vector<float>& arena() override {
    host_ = arena_.to_vector<float>();
    return host_;
  }

 private:
  WeCudaWorkspace workspace_;
  Tensor arena_;
  std::vector<float> host_;
};

class WeCudaZoo : public ::testing::TestWithParam<std::string> {};

TEST_P(WeCudaZoo, BothSortsMatchTheReference) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const testing::WeZooModel m = testing::we_zoo_model(GetParam(), 7);
  WeCudaPath block(m.table, WeCudaSort::kBlock), segmented(m.table, WeCudaSort::kDeviceSegmented);
  const testing::WeZooTotals totals = testing::compare_with_reference(m, {&block, &segmented});
  EXPECT_GT(totals.pairs[0], 0);
  EXPECT_GT(totals.fallback_forced, 0);
}

INSTANTIATE_TEST_SUITE_P(Models, WeCudaZoo, ::testing::ValuesIn(nn::models::model_names()));

// Without a device (or without the CUDA backend) the workspace cannot exist, and says why.
TEST(WeCuda, WithoutADeviceTheWorkspaceIsAClearError) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  const Model m = make_model("resnet20", 1);
  try {
    WeCudaWorkspace workspace(m.table, Device::cuda());
    FAIL() << "expected revive::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace revive
