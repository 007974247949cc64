// What a sequence of Filter Grafting steps keeps between epochs: the graft groups of the networks'
// architecture (built on the first step, again if the networks change), the CPU scratch and the CUDA
// workspace; and the dispatch of each step to the backend the networks live on. FgReactivator and
// the one-step graft (fg_graft.h) both run through it.
#pragma once

#include <memory>
#include <vector>

#include "reactivation/fg/fg_cpu.h"
#include "reactivation/fg/fg_cuda.h"
#include "reactivation/reactivator.h"

namespace revive {

// One network's arena and buffers as a step sees them (pointers on the network's device).
FgNetwork fg_network(const nn::Module& model, const nn::ParameterArena& arena);

class FgStepper {
 public:
  explicit FgStepper(FgOptions options);

  // The graft groups of `models` (all of one architecture: checked, by their state dicts, when the
  // layout is built), for scope options().scope.
  const FgLayout& layout_for(const std::vector<ModelRef>& models);
  // One step on `nets` (laid out as `layout`, on `device`) after 0-based epoch `epoch`.
  FgReport run(const FgLayout& layout, const std::vector<FgNetwork>& nets, Device device, int epoch, uint64_t seed);

  const FgOptions& options() const { return options_; }

 private:
  FgOptions options_;
  std::unique_ptr<FgLayout> layout_;
  const nn::Module* layout_model_ = nullptr;
  int64_t layout_numel_ = -1;
  FgCpuScratch cpu_;
  std::unique_ptr<FgCudaWorkspace> cuda_;
};

}  // namespace revive
