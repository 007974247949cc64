// Weight Evolution on a CUDA device other than cuda:0: the workspace lives on the arena's device,
// and a step there gives the CPU's weights. With one device (or none) the code path is still
// checked: asking for cuda:1 must fail naming cuda:1, which a workspace that picked cuda:0 itself
// would not.
#include <gtest/gtest.h>

#include <string>

#include "cuda/cuda_test_util.h"
#include "kernels/device_runtime.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "reactivation/arena_tensors.h"
#include "reactivation/we/we_cuda.h"
#include "reactivation/we/we_options.h"

namespace revive {
namespace {

struct Table {
  std::unique_ptr<nn::Module> model = nn::models::make_model("cnn", 1, 10);
  nn::ParameterArena arena = nn::ParameterArena::build(*model, Device::cpu(), 5);
  FilterTable table = FilterTable::build(reactivatable_tensors(arena), arena.params().numel());
};

TEST(WeCudaDevice, TheWorkspaceUsesTheDeviceItIsGiven) {
  if (kernels::cuda_device_count() >= 2) GTEST_SKIP() << "two devices: WeCudaDevice.StepsOnTheSecondDevice runs";
  const Table t;
  try {
    WeCudaWorkspace workspace(t.table, Device::cuda(1));
    FAIL() << "cuda:1 does not exist here, yet the workspace was made";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cuda:1"), std::string::npos) << e.what();
  }
}

TEST(WeCudaDevice, StepsOnTheSecondDevice) {
  if (kernels::cuda_device_count() < 2) GTEST_SKIP() << "fewer than two CUDA devices";
  const Device second = Device::cuda(1);
  kernels::use_device(second);
  const Table t;
  std::vector<float> w = t.arena.params().to_vector<float>();
  for (size_t i = 0; i < w.size(); i += 7) w[i] *= 1e-3f;  // dead weights for the step to find
  const int64_t n = static_cast<int64_t>(w.size());
  Tensor on_device = Tensor::from_vector(w, {n}).to(second);
  const WeOptions o = parse_we_options("reference", {}, {});
  WeState cpu_state, cuda_state;
  const WeReport cpu = we_apply_cpu(t.table, w.data(), n, o, 30, {0}, cpu_state, nullptr);
  WeCudaWorkspace workspace(t.table, second);
  EXPECT_EQ(workspace.device(), second);
  const WeReport gpu = we_apply_cuda(t.table, on_device.data<float>(), n, o, 30, {0}, cuda_state, workspace,
                                     kernels::current_stream(second));
  EXPECT_EQ(on_device.to_vector<float>(), w);
  EXPECT_EQ(cpu.pools[0].pairs, gpu.pools[0].pairs);
  EXPECT_GT(gpu.pools[0].pairs, 0);
}

}  // namespace
}  // namespace revive
