// `revive reactivate`: one reactivation step applied to a state-dict file (a revive checkpoint, or a
// PyTorch state dict saved with safetensors under the same names), so that PyTorch users can use
// revive's methods on their own weights between their own epochs. The architecture (--model) gives
// the module order and the conv groups the methods need; input channels and classes are read from
// the file. A method's cross-epoch state (WE's fallback counters) can be carried in a JSON file.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/parallel.h"
#include "core/safetensors.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "nn/state_dict.h"
#include "reactivation/reactivator.h"
#include "tools/commands.h"

namespace revive::cli {
namespace {

struct ReactivateArgs {
  std::string method = "we";
  ReactivationOptions options;
  std::string model;
  double width = 1.0;
  int epoch = -1;
  std::vector<int> milestones;
  std::string in, out, state;
  int threads = 0;
};

// Builds `name` with the input channels and classes the file's first conv and last linear layer have.
std::unique_ptr<nn::Module> model_for(const ReactivateArgs& a, const SafetensorsFile& file) {
  nn::models::ModelOptions mo;
  mo.width = static_cast<float>(a.width);
  auto probe = nn::models::make_model(a.model, 1, 10, mo);
  int64_t in_channels = 1, classes = 10;
  bool first_conv_seen = false;
  for (const auto& [name, p] : probe->named_parameters()) {
    auto it = file.tensors.find(name);
    if (it == file.tensors.end()) continue;
    if (p->kind() == nn::ParamKind::kConvWeight && !first_conv_seen && it->second.ndim() == 4) {
      in_channels = it->second.dim(1);
      first_conv_seen = true;
    }
    if (p->kind() == nn::ParamKind::kLinearWeight && it->second.ndim() == 2) classes = it->second.dim(0);
  }
  return nn::models::make_model(a.model, in_channels, classes, mo);
}

int run_reactivate(const ReactivateArgs& a) {
  set_num_threads(a.threads);
  REVIVE_CHECK(a.method != "none", "--method none would copy the file unchanged; pick a reactivation method");
  const SafetensorsFile file = load_safetensors(a.in);
  std::unique_ptr<nn::Module> model = model_for(a, file);
  nn::ParameterArena arena = nn::ParameterArena::build(*model, Device::cpu(), 0);
  nn::load_state_dict(*model, file.tensors, a.in);

  std::unique_ptr<Reactivator> method = make_reactivator(a.method, a.options);
  if (!a.state.empty() && std::filesystem::exists(a.state)) {
    std::ifstream is(a.state);
    try {
      method->load_state(nlohmann::json::parse(is));
    } catch (const nlohmann::json::exception& e) {
      REVIVE_THROW("--state " << a.state << " is not valid JSON (" << e.what() << ")");
    }
  }
  ReactivationContext ctx;
  ctx.epoch = a.epoch;
  ctx.stage_boundaries = {0};
  for (int m : a.milestones) {
    REVIVE_CHECK(m > ctx.stage_boundaries.back(), "--milestones must be increasing epochs > 0");
    ctx.stage_boundaries.push_back(m);
  }
  nlohmann::json report = nlohmann::json::object();
  method->apply_one(ctx, *model, arena, report);

  // Everything the file held goes back out; the model's tensors carry the new values.
  std::map<std::string, Tensor> tensors = file.tensors;
  for (const auto& [name, t] : model->state_dict()) tensors[name] = t;
  NamedTensors out(tensors.begin(), tensors.end());
  save_safetensors(a.out, out, file.metadata);
  if (!a.state.empty()) {
    write_file_atomically(a.state, [&](std::ostream& os) { os << method->state().dump(2) << "\n"; });
  }
  std::printf("%s\n", nlohmann::json{{"in", a.in}, {"out", a.out}, {"method", a.method}, {"epoch", a.epoch},
                                     {"report", report}}.dump().c_str());
  return 0;
}

}  // namespace

Runner add_reactivate_command(CLI::App& app) {
  auto a = std::make_shared<ReactivateArgs>();
  app.add_option("--method", a->method, "Reactivation method: we")->capture_default_str();
  app.add_option("--we-preset", a->options.we_preset, "WE preset: paper | reference")->capture_default_str();
  app.add_option("--we-ablation", a->options.we_ablations, "WE ablations (see revive train --help)")->delimiter(',');
  app.add_option("--we-set", a->options.we_overrides, "WE option overrides key=value (repeatable)");
  app.add_option("--model", a->model, "The architecture of the weights (gives module order and conv groups)")
      ->required();
  app.add_option("--width", a->width, "Width multiplier (mobilenetv2)")->capture_default_str();
  app.add_option("--epoch", a->epoch, "0-based index of the epoch just trained")->required()->check(CLI::NonNegativeNumber);
  app.add_option("--milestones", a->milestones, "LR decay epochs: they start the stages of spec 1.3")->delimiter(',');
  app.add_option("--in", a->in, "Input .safetensors state dict")->required();
  app.add_option("--out", a->out, "Output .safetensors (written atomically)")->required();
  app.add_option("--state", a->state, "JSON file carrying the method's state between calls (read if present, "
                                      "then rewritten)");
  app.add_option("--threads", a->threads, "Worker threads (0 = all cores)")->capture_default_str();
  return [a] { return run_reactivate(*a); };
}

}  // namespace revive::cli
