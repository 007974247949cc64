// N networks of one architecture with trained-looking state for FG tests: weights U(-0.2, 0.2) with a
// seeded third of the conv filters shrunk by 1e-3 (dead filters for the noise and internal
// variants and the invalid counts), BN gammas in [0.5, 1.5) with some exactly 0 in every network
// (zero denominators of filter-level grafting), random running statistics and batch counters.
// Building the same (model, n, seed) twice gives bit-identical networks.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "reactivation/fg/fg_cpu.h"
#include "reactivation/reactivator.h"

namespace revive::testing {

struct FgTestNet {
  std::unique_ptr<nn::Module> model;
  std::unique_ptr<nn::ParameterArena> arena;

  nn::NamedTensorList state() const { return model->state_dict(); }
  FgNetwork network() const {
    FgNetwork net;
    net.arena = arena->params().data<float>();
    for (const auto& [name, t] : model->named_buffers()) net.buffers.push_back(t.raw_data());
    return net;
  }
};

// A fast seeded generator for the test values (Rng draws a Philox block per number, which made
// building the networks the bulk of these tests' time).
struct FgTestValues {
  uint64_t state;
  float uniform(float lo, float hi) {  // splitmix64's output, top 24 bits
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return lo + (hi - lo) * static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
  }
  float uniform() { return uniform(0.0f, 1.0f); }
  uint64_t below(uint64_t n) { return static_cast<uint64_t>(uniform() * static_cast<float>(n)) % n; }
};

inline std::vector<FgTestNet> make_fg_nets(const std::string& name, int n, uint64_t seed, float width = 1.0f) {
  std::vector<FgTestNet> nets;
  for (int k = 0; k < n; ++k) {
    FgTestNet net;
    nn::models::ModelOptions mo;
    if (name == "mobilenetv2") mo.width = width;
    net.model = nn::models::make_model(name, 3, 10, mo);
    net.arena = std::make_unique<nn::ParameterArena>(nn::ParameterArena::build(*net.model, Device::cpu(), seed + k));
    FgTestValues rng{seed * 100 + static_cast<uint64_t>(k)};
    FgTestValues shared{seed};  // the same in every network: zero gammas at the same channels
    float* p = net.arena->params().data<float>();
    for (const nn::ArenaEntry& e : net.arena->entries()) {
      float* x = p + e.offset;
      if (e.kind == nn::ParamKind::kBnWeight) {
        for (int64_t i = 0; i < e.numel; ++i) x[i] = shared.uniform() < 0.05f ? 0.0f : rng.uniform(0.5f, 1.5f);
        continue;
      }
      for (int64_t i = 0; i < e.numel; ++i) x[i] = rng.uniform(-0.2f, 0.2f);
      if (e.kind != nn::ParamKind::kConvWeight) continue;
      const int64_t len = e.numel / e.shape[0];
      for (int64_t f = 0; f < e.shape[0]; ++f)
        if (rng.uniform() < 0.33f)
          for (int64_t i = 0; i < len; ++i) x[f * len + i] *= 1e-3f;
    }
    for (auto& [bname, t] : net.model->named_buffers()) {
      if (t.dtype() == DType::kInt64) {
        t.data<int64_t>()[0] = 300 + static_cast<int64_t>(rng.below(100));
      } else {
        const bool var = bname.find("running_var") != std::string::npos;
        for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = var ? rng.uniform(0.1f, 2.0f) : rng.uniform(-1.0f, 1.0f);
      }
    }
    nets.push_back(std::move(net));
  }
  return nets;
}

inline std::vector<nn::NamedTensorList> fg_states(const std::vector<FgTestNet>& nets) {
  std::vector<nn::NamedTensorList> out;
  for (const auto& n : nets) out.push_back(n.state());
  return out;
}

inline std::vector<FgNetwork> fg_networks(const std::vector<FgTestNet>& nets) {
  std::vector<FgNetwork> out;
  for (const auto& n : nets) out.push_back(n.network());
  return out;
}

inline std::vector<ModelRef> fg_refs(const std::vector<FgTestNet>& nets) {
  std::vector<ModelRef> out;
  for (const auto& n : nets) out.push_back({n.model.get(), n.arena.get()});
  return out;
}

// Two reports of the same step equal in everything but the time.
inline void expect_same_report(const FgReport& ref, const FgReport& got) {
  EXPECT_EQ(ref.groups, got.groups);
  EXPECT_EQ(ref.criterion_value, got.criterion_value);
  EXPECT_EQ(ref.alpha, got.alpha);
  EXPECT_EQ(ref.rewritten_filters, got.rewritten_filters);
  EXPECT_EQ(ref.mean_channel_weight, got.mean_channel_weight);
  EXPECT_EQ(ref.skipped, got.skipped);
  EXPECT_EQ(ref.convs_without_input_bn, got.convs_without_input_bn);
}

// Every tensor of every network bit-equal (either side may be on a GPU).
inline void expect_same_state(const std::vector<FgTestNet>& a, const std::vector<FgTestNet>& b) {
  for (size_t k = 0; k < a.size(); ++k) {
    const auto sa = a[k].state(), sb = b[k].state();
    for (size_t i = 0; i < sa.size(); ++i) {
      const Tensor x = sa[i].second.to(Device::cpu()), y = sb[i].second.to(Device::cpu());
      ASSERT_EQ(std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()), 0) << "network " << k << " " << sa[i].first;
    }
  }
}

}  // namespace revive::testing
