// `revive reactivate`: one reactivation step applied to a state-dict file (a revive checkpoint, or a
// PyTorch state dict saved with safetensors under the same names), so that PyTorch users can use
// revive's methods on their own weights between their own epochs. The architecture (--model) gives
// the module order and the conv groups the methods need; input channels and classes are read from
// the file. A method's cross-epoch state (WE's fallback counters) can be carried in a JSON file.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/autograd.h"
#include "core/safetensors.h"
#include "nn/models/registry.h"
#include "nn/state_dict.h"
#include "reactivation/registry.h"
#include "run/run_builder.h"
#include "tools/commands.h"
#include "tools/option_cli.h"

namespace revive::cli {
namespace {

// The run options `revive reactivate` takes (the milestones start WE's stages, spec 1.3; the
// epochs are the run's length, for rates that follow the schedule).
const std::vector<std::string> kReactivateKeys{"method", "model", "width", "milestones", "epochs", "threads"};

struct ReactivateCommandLine {
  CliOptions options;
  int epoch = -1;
  std::string in, out, state;
};

// The input channels and classes of the file's first conv and last linear layer, for `config`'s model.
std::pair<int64_t, int64_t> input_and_classes(const RunConfig& config, const SafetensorsFile& file) {
  nn::models::ModelOptions mo;
  mo.width = static_cast<float>(config.width);
  auto probe = nn::models::make_model(config.model, 1, 10, mo);
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
  return {in_channels, classes};
}

int run_reactivate(const ReactivateCommandLine& cl) {
  nlohmann::json given = cl.options.given();
  if (!given.contains("method")) given["method"] = "we";
  REVIVE_CHECK(given["method"] != "none", "--method none would copy the file unchanged; pick a reactivation method");
  REVIVE_CHECK(given.contains("model"), "--model is required: the architecture the weights belong to");
  // A step needs no learning-rate schedule of its own: the milestones, if any, make a step schedule
  // whose stages the method reads; the run's length defaults to the epochs up to this one.
  given["schedule"] = given.contains("milestones") ? "multistep" : "cosine";
  given["per_iteration"] = false;
  if (!given.contains("epochs")) given["epochs"] = cl.epoch + 1;
  const RunConfig config = run_config_from_json(given, "command line", OptionSource::kUser);

  const SafetensorsFile file = load_safetensors(cl.in);
  RunBuildOptions bo;
  bo.data = false;
  std::tie(bo.in_channels, bo.num_classes) = input_and_classes(config, file);
  std::unique_ptr<RunParts> run = build_run(config, bo);
  nn::Module& model = *run->network().model;
  nn::load_state_dict(model, file.tensors, cl.in);

  Reactivator& method = *run->reactivator;
  if (!cl.state.empty() && std::filesystem::exists(cl.state)) {
    std::ifstream is(cl.state);
    try {
      method.load_state(nlohmann::json::parse(is));
    } catch (const nlohmann::json::exception& e) {
      REVIVE_THROW("--state " << cl.state << " is not valid JSON (" << e.what() << ")");
    }
  }
  ReactivationContext ctx = run->reactivation_context();
  ctx.epoch = cl.epoch;
  nlohmann::json report = nlohmann::json::object();
  {
    NoGradGuard no_grad;
    method.apply(ctx, run->model_refs(), report);
  }

  // Everything the file held goes back out; the model's tensors carry the new values.
  std::map<std::string, Tensor> tensors = file.tensors;
  for (const auto& [name, t] : model.state_dict()) tensors[name] = t;
  NamedTensors out(tensors.begin(), tensors.end());
  save_safetensors(cl.out, out, file.metadata);
  if (!cl.state.empty()) {
    write_file_atomically(cl.state, [&](std::ostream& os) { os << method.state().dump(2) << "\n"; });
  }
  std::printf("%s\n", nlohmann::json{{"in", cl.in}, {"out", cl.out}, {"method", config.method}, {"epoch", cl.epoch},
                                     {"report", report}}.dump().c_str());
  return 0;
}

}  // namespace

Runner add_reactivate_command(CLI::App& app) {
  auto cl = std::make_shared<ReactivateCommandLine>();
  std::vector<OptionDecl> decls;
  for (const OptionDecl& d : run_option_decls()) {
    if (std::find(kReactivateKeys.begin(), kReactivateKeys.end(), d.key) != kReactivateKeys.end()) decls.push_back(d);
  }
  for (OptionDecl& d : decls) {
    if (d.key == "method") d.default_value = "we";
    if (d.key == "epochs") d.help = "The run's length in epochs, for rates that follow the schedule (default: --epoch + 1)";
  }
  cl->options.add(app, decls);
  for (const MethodSpec& m : reactivation_methods()) cl->options.add(app, m.options);
  app.add_option("--epoch", cl->epoch, "0-based index of the epoch just trained")
      ->required()
      ->check(CLI::Range(0, 1 << 24));
  app.add_option("--in", cl->in, "Input .safetensors state dict")->required();
  app.add_option("--out", cl->out, "Output .safetensors (written atomically)")->required();
  app.add_option("--state", cl->state, "JSON file carrying the method's state between calls (read if present, "
                                       "then rewritten)");
  return [cl] { return run_reactivate(*cl); };
}

}  // namespace revive::cli
