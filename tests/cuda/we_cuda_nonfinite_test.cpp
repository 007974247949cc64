// Weight Evolution on the GPU with NaN and Inf weights (a diverging run reaching the step): the
// selection orders NaN importances alike on both backends (we_math.h magnitude_key), the blends
// that would write a non-finite value are skipped and counted (§0.1), and the CUDA
// step leaves the arena the CPU step leaves, bit for bit, with the same report.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/rng.h"
#include "cuda/cuda_test_util.h"
#include "kernels/device_runtime.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "reactivation/arena_tensors.h"
#include "reactivation/we/we_cuda.h"
#include "reactivation/we/we_options.h"

namespace revive {
namespace {

uint32_t bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

TEST(WeCudaNonFinite, NanAndInfWeightsGiveTheCpuStep) {
  REVIVE_SKIP_WITHOUT_CUDA();
  auto model = nn::models::make_model("resnet20", 1, 10);
  nn::ParameterArena arena = nn::ParameterArena::build(*model, Device::cpu(), 21);
  const FilterTable table = FilterTable::build(reactivatable_tensors(arena), arena.params().numel());
  std::vector<float> w = arena.params().to_vector<float>();
  const FilterTableLayers& L = table.layers();
  Rng rng(21, 3);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (int l = 0; l < table.n_layers(); ++l) {
    for (int32_t j = 0; j < L.n_filters[l]; ++j) {
      float* f = w.data() + L.offset[l] + static_cast<int64_t>(j) * L.filter_len[l];
      const float u = rng.uniform();
      if (u < 0.3f) {
        for (int32_t e = 0; e < L.filter_len[l]; ++e) f[e] *= 1e-3f;  // near-dead: inferior
      } else if (u < 0.36f) {
        f[0] = nan;  // a NaN importance
      } else if (u < 0.42f) {
        f[L.filter_len[l] - 1] = u < 0.39f ? inf : -inf;  // an infinite importance
      } else if (u < 0.45f) {
        f[0] = 3e38f;  // finite, but a blend with it may overflow
      }
    }
  }
  const int64_t n = static_cast<int64_t>(w.size());
  for (const char* preset : {"paper", "reference"}) {
    SCOPED_TRACE(preset);
    const WeOptions o = parse_we_options(preset, {}, {});
    std::vector<float> cpu = w;
    Tensor gpu = Tensor::from_vector(w, {n}).to(Device::cuda());
    WeState cpu_state, gpu_state;
    WeCudaWorkspace workspace(table, Device::cuda());
    for (int epoch = 30; epoch < 33; ++epoch) {
      WeReport a = we_apply_cpu(table, cpu.data(), n, o, epoch, {0}, cpu_state, nullptr);
      WeReport b = we_apply_cuda(table, gpu.data<float>(), n, o, epoch, {0}, gpu_state, workspace,
                                 kernels::current_stream(Device::cuda()));
      a.elapsed_us = b.elapsed_us = 0;
      a.stage_us = b.stage_us = {};
      EXPECT_EQ(a.to_json(), b.to_json()) << "epoch " << epoch;
      const std::vector<float> got = gpu.to_vector<float>();
      for (int64_t i = 0; i < n; ++i) {
        // NaN payloads may differ between host and device arithmetic; any NaN matches any NaN.
        if (std::isnan(cpu[i]) && std::isnan(got[i])) continue;
        ASSERT_EQ(bits(cpu[i]), bits(got[i])) << "element " << i << ": CPU " << cpu[i] << ", CUDA " << got[i];
      }
    }
    int64_t pairs = 0;
    for (const WePoolReport& p : we_apply_cpu(table, cpu.data(), n, o, 33, {0}, cpu_state, nullptr).pools)
      pairs += p.pairs;
    EXPECT_GT(pairs, 0) << "the step must have work";
  }
}

}  // namespace
}  // namespace revive
