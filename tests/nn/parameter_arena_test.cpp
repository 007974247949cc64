// ParameterArena: one contiguous buffer in state-dict order, each parameter 64-byte aligned with zero
// padding between, parameters and gradients as views, PyTorch-default initialisation from a seeded
// Philox stream per parameter.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/rng.h"
#include "nn/module.h"
#include "nn/parameter_arena.h"

namespace revive::nn {
namespace {

// Parameter registrations shaped like a conv with BN; forward is the identity (no ops needed).
class ConvBnLike : public Module {
 public:
  ConvBnLike(int64_t in, int64_t out, int kernel, int groups, bool bias) : Module("ConvBnLike") {
    const int64_t fan_in = in / groups * kernel * kernel;
    weight = register_parameter("weight", {out, in / groups, kernel, kernel}, ParamKind::kConvWeight,
                                ParamInit::kUniformFanIn, fan_in, groups);
    if (bias) this->bias = register_parameter("bias", {out}, ParamKind::kConvBias, ParamInit::kUniformFanIn, fan_in);
    gamma = register_parameter("gamma", {out}, ParamKind::kBnWeight, ParamInit::kOnes, 0);
    beta = register_parameter("beta", {out}, ParamKind::kBnBias, ParamInit::kZeros, 0);
  }
  Parameter* weight = nullptr;
  Parameter* bias = nullptr;
  Parameter* gamma = nullptr;
  Parameter* beta = nullptr;

 private:
  Tensor forward_impl(const Tensor& x) override { return x; }
};

class Net : public Module {
 public:
  Net() : Module("Net") {
    first = register_module("first", std::make_unique<ConvBnLike>(3, 16, 3, 1, false));
    depthwise = register_module("depthwise", std::make_unique<ConvBnLike>(16, 16, 3, 16, false));
    odd = register_module("odd", std::make_unique<ConvBnLike>(3, 5, 1, 1, true));  // 15 + 5 + 5 + 5 elements
    wide = register_module("wide", std::make_unique<ConvBnLike>(64, 64, 3, 1, true));
  }
  ConvBnLike* first;
  ConvBnLike* depthwise;
  ConvBnLike* odd;
  ConvBnLike* wide;

 private:
  Tensor forward_impl(const Tensor& x) override { return x; }
};

TEST(ParameterArena, PlacesEveryParameterAlignedInStateDictOrder) {
  Net net;
  ParameterArena arena = ParameterArena::build(net, Device::cpu(), 7);
  EXPECT_EQ(arena.n_elements(), net.n_parameters());
  const int64_t buffer = arena.params().numel();
  EXPECT_EQ(arena.grads().shape(), arena.params().shape());
  const auto named = net.named_parameters();
  ASSERT_EQ(arena.entries().size(), named.size());
  int64_t end = 0;  // of the previous parameter
  const float* base = arena.params().data<float>();
  const float* grad_base = arena.grads().data<float>();
  const std::vector<float> values = arena.params().to_vector<float>();
  for (size_t i = 0; i < named.size(); ++i) {
    const ArenaEntry& e = arena.entries()[i];
    const Parameter& p = *named[i].second;
    EXPECT_EQ(e.name, named[i].first);
    // The first multiple of 16 elements at or after the previous parameter's end.
    EXPECT_EQ(e.offset % kArenaAlignment, 0) << e.name;
    EXPECT_GE(e.offset, end) << e.name;
    EXPECT_LT(e.offset, end + kArenaAlignment) << e.name;
    for (int64_t j = end; j < e.offset; ++j) EXPECT_EQ(values[j], 0.0f) << "padding before " << e.name;
    EXPECT_EQ(e.shape, p.shape());
    EXPECT_EQ(e.numel, p.numel());
    EXPECT_EQ(p.value().data<float>(), base + e.offset) << e.name;
    EXPECT_EQ(p.grad().data<float>(), grad_base + e.offset) << e.name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p.value().data<float>()) % 64, 0u) << e.name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p.grad().data<float>()) % 64, 0u) << e.name;
    EXPECT_TRUE(p.value().requires_grad());
    EXPECT_EQ(p.value().name(), e.name);
    end = e.offset + e.numel;
  }
  EXPECT_EQ(end, buffer);
  EXPECT_EQ(arena.entry("odd.bias").offset, arena.entry("odd.weight").offset + 16);  // 15 elements, 1 of padding
  EXPECT_EQ(buffer - arena.n_elements(), 1 + 3 * 11);  // after each of odd's parameters
}

TEST(ParameterArena, EntriesCarryKindAndGroupsForTheFilterTable) {
  Net net;
  ParameterArena arena = ParameterArena::build(net, Device::cpu(), 7);
  const ArenaEntry& dw = arena.entry("depthwise.weight");
  EXPECT_EQ(dw.kind, ParamKind::kConvWeight);
  EXPECT_EQ(dw.groups, 16);
  EXPECT_EQ(dw.shape, (Shape{16, 1, 3, 3}));
  EXPECT_EQ(arena.entry("first.weight").groups, 1);
  EXPECT_EQ(arena.entry("wide.bias").kind, ParamKind::kConvBias);
  EXPECT_EQ(arena.entry("wide.gamma").kind, ParamKind::kBnWeight);
  EXPECT_EQ(arena.entry("wide.beta").kind, ParamKind::kBnBias);
  EXPECT_STREQ(param_kind_name(dw.kind), "conv_weight");
  try {
    arena.entry("nope.weight");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("first.weight"), std::string::npos) << e.what();
  }
}

TEST(ParameterArena, ParametersAreViewsOfTheArena) {
  Net net;
  ParameterArena arena = ParameterArena::build(net, Device::cpu(), 7);
  const ArenaEntry& e = arena.entry("wide.bias");
  // Writing through the parameter changes the arena ...
  net.wide->bias->value().fill_(2.5f);
  EXPECT_EQ(arena.params().to_vector<float>()[e.offset + 5], 2.5f);
  // ... and writing the arena changes the parameter.
  arena.params().data<float>()[e.offset + 3] = -4.0f;
  EXPECT_EQ(net.wide->bias->value().to_vector<float>()[3], -4.0f);
  // Neighbours are untouched.
  EXPECT_NE(arena.params().to_vector<float>()[e.offset - 1], 2.5f);
  EXPECT_EQ(arena.params().to_vector<float>()[arena.entry("wide.gamma").offset], 1.0f);
}

TEST(ParameterArena, AutogradAccumulatesIntoTheGradientArena) {
  Net net;
  ParameterArena arena = ParameterArena::build(net, Device::cpu(), 7);
  const Tensor w = net.depthwise->gamma->value();
  // loss = sum_i c_i w_i, recorded by hand so that no op implementation is needed: dloss/dw = c.
  auto loss_of = [&](float c) {
    Tensor loss = Tensor::zeros({1});
    record("weighted_sum", {w}, loss, [c, n = w.numel()](const Tensor& dloss) {
      Tensor g = Tensor::full({n}, c * dloss.item());
      return std::vector<Tensor>{g};
    });
    return loss;
  };
  loss_of(1.5f).backward();
  loss_of(0.5f).backward();  // accumulates
  const ArenaEntry& e = arena.entry("depthwise.gamma");
  const std::vector<float> g = arena.grads().to_vector<float>();
  for (int64_t i = 0; i < arena.params().numel(); ++i) {
    const bool inside = i >= e.offset && i < e.offset + e.numel;
    ASSERT_EQ(g[i], inside ? 2.0f : 0.0f) << "element " << i;
  }
  arena.zero_grad();
  for (float v : arena.grads().to_vector<float>()) ASSERT_EQ(v, 0.0f);
  // The parameter still sees the (zeroed) arena.
  EXPECT_EQ(net.depthwise->gamma->grad().data<float>(), arena.grads().data<float>() + e.offset);
}

// PyTorch: kaiming_uniform_(a=sqrt(5)) and the bias rule both give U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
void expect_uniform(const Parameter& p, double bound) {
  const std::vector<float> v = p.value().to_vector<float>();
  double sum = 0, sq = 0;
  for (float x : v) {
    ASSERT_GE(x, -bound) << p.name();
    ASSERT_LT(x, bound) << p.name();
    sum += x;
    sq += static_cast<double>(x) * x;
  }
  const double n = static_cast<double>(v.size());
  const double mean = sum / n, std = std::sqrt(sq / n - mean * mean);
  const double expected_std = bound / std::sqrt(3.0);
  // Five standard errors of the mean; the std of n uniform draws has a relative error ~ 0.9/sqrt(n).
  EXPECT_LT(std::abs(mean), 5 * expected_std / std::sqrt(n)) << p.name();
  EXPECT_NEAR(std, expected_std, 5 * 0.9 * expected_std / std::sqrt(n)) << p.name();
}

TEST(ParameterArena, InitialisesLikePyTorchDefaults) {
  Net net;
  ParameterArena arena = ParameterArena::build(net, Device::cpu(), 123);
  expect_uniform(*net.wide->weight, 1.0 / std::sqrt(64.0 * 9));  // 36,864 draws
  expect_uniform(*net.first->weight, 1.0 / std::sqrt(3.0 * 9));
  expect_uniform(*net.depthwise->weight, 1.0 / 3.0);  // fan_in = 16 / 16 * 9
  const std::vector<float> bias = net.wide->bias->value().to_vector<float>();
  for (float x : bias) {
    EXPECT_GE(x, -1.0 / 24);
    EXPECT_LT(x, 1.0 / 24);
  }
  for (float x : net.wide->gamma->value().to_vector<float>()) EXPECT_EQ(x, 1.0f);
  for (float x : net.wide->beta->value().to_vector<float>()) EXPECT_EQ(x, 0.0f);
  for (float x : arena.grads().to_vector<float>()) ASSERT_EQ(x, 0.0f);
}

TEST(ParameterArena, SameSeedSameArenaAndOneStreamPerParameter) {
  Net a, b;
  ParameterArena arena_a = ParameterArena::build(a, Device::cpu(), 99);
  ParameterArena arena_b = ParameterArena::build(b, Device::cpu(), 99);
  EXPECT_EQ(arena_a.params().to_vector<float>(), arena_b.params().to_vector<float>());
  Net c;
  ParameterArena arena_c = ParameterArena::build(c, Device::cpu(), 100);
  EXPECT_NE(arena_a.params().to_vector<float>(), arena_c.params().to_vector<float>());

  // Parameter i draws Rng(seed, i) from its start: its values do not depend on the others.
  const auto named = a.named_parameters();
  for (size_t i = 0; i < named.size(); ++i) {
    const Parameter& p = *named[i].second;
    if (p.init() != ParamInit::kUniformFanIn) continue;
    Rng rng(99, i);
    const std::vector<float> v = p.value().to_vector<float>();
    for (size_t j = 0; j < v.size(); ++j) {
      ASSERT_EQ(v[j], rng.uniform(-p.init_bound(), p.init_bound())) << named[i].first << "[" << j << "]";
    }
  }
}

TEST(ParameterArena, RebuildingRebindsAndLeavesTheOldArenaAlone) {
  Net net;
  ParameterArena first = ParameterArena::build(net, Device::cpu(), 1);
  const std::vector<float> before = first.params().to_vector<float>();
  ParameterArena second = ParameterArena::build(net, Device::cpu(), 2);
  EXPECT_EQ(net.first->weight->value().data<float>(), second.params().data<float>());
  net.first->weight->value().fill_(0.0f);
  EXPECT_EQ(first.params().to_vector<float>(), before);
  second.to(Device::cpu());
  EXPECT_EQ(net.first->weight->value().data<float>(), second.params().data<float>());
}

TEST(ParameterArena, ModuleWithoutParametersIsAnError) {
  class Empty : public Module {
   public:
    Empty() : Module("Empty") {}

   private:
    Tensor forward_impl(const Tensor& x) override { return x; }
  } empty;
  EXPECT_THROW(ParameterArena::build(empty, Device::cpu(), 1), Error);
}

}  // namespace
}  // namespace revive::nn
