#include "reactivation/fg/fg_step.h"

#include "core/error.h"

namespace revive {

FgNetwork fg_network(const nn::Module& model, const nn::ParameterArena& arena) {
  FgNetwork net;
  net.arena = arena.params().data<float>();
  for (const auto& [name, t] : model.named_buffers()) net.buffers.push_back(t.raw_data());
  return net;
}

FgStepper::FgStepper(FgOptions options) : options_(std::move(options)) { validate_fg_options(options_); }

const FgLayout& FgStepper::layout_for(const std::vector<ModelRef>& models) {
  REVIVE_CHECK(!models.empty() && models[0].model != nullptr && models[0].arena != nullptr,
               "FG: the step got no network");
  const nn::ParameterArena& arena = *models[0].arena;
  if (!layout_ || layout_model_ != models[0].model || layout_numel_ != arena.params().numel()) {
    const std::vector<FgEntry> entries = fg_entries(*models[0].model, arena);
    for (size_t k = 1; k < models.size(); ++k) {
      const std::vector<FgEntry> other = fg_entries(*models[k].model, *models[k].arena);
      bool same = other.size() == entries.size();
      for (size_t i = 0; same && i < entries.size(); ++i)
        same = other[i].name == entries[i].name && other[i].shape == entries[i].shape &&
               other[i].dtype == entries[i].dtype && other[i].offset == entries[i].offset;
      REVIVE_CHECK(same, "FG grafts networks of one architecture, but network " << k << "'s state dict differs from "
                                                                                << "network 0's");
    }
    layout_ = std::make_unique<FgLayout>(FgLayout::build(entries, arena.params().numel(), options_.scope));
    layout_model_ = models[0].model;
    layout_numel_ = arena.params().numel();
    cuda_.reset();
  }
  return *layout_;
}

FgReport FgStepper::run(const FgLayout& layout, const std::vector<FgNetwork>& nets, Device device, int epoch,
                        uint64_t seed) {
  if (!device.is_cuda()) return fg_apply_cpu(layout, nets, options_, epoch, seed, cpu_);
  if (!cuda_ || !cuda_->serves(layout, options_.models))
    cuda_ = std::make_unique<FgCudaWorkspace>(layout, options_.models);
  return fg_apply_cuda(layout, nets, options_, epoch, seed, *cuda_);
}

}  // namespace revive
