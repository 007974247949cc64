// `revive reactivate`: one reactivation step applied to a state-dict file (a revive checkpoint, or a
// PyTorch state dict saved with safetensors), so that PyTorch users can use revive's methods on
// their own weights between their own epochs. With --model, one of revive's architectures gives
// the module order and the conv groups (input channels and classes are read from the file), and
// the file must match it. Without, any CNN will do: the modules come from the file's names and
// shapes (nn/state_dict_model.h), in the order of --module-order or the natural order of the
// names, with the groups --groups gives. A method's cross-epoch state (WE's fallback counters) can
// be carried in a JSON file. Filter Grafting grafts --in from a second network, --scion, of the
// same tensors and shapes (reactivation/fg/fg_graft.h); it needs no --epoch.
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
#include "nn/state_dict_model.h"
#include "reactivation/registry.h"
#include "run/run_builder.h"
#include "tools/commands.h"
#include "tools/option_cli.h"

namespace revive::cli {
namespace {

// The run options `revive reactivate` takes (the milestones start WE's stages, §1.3; the epochs
// are the run's length, for rates that follow the schedule).
const std::vector<std::string> kReactivateKeys{"method", "model", "width", "milestones", "epochs", "threads"};

// The command's own options, declared like the run's so that a bad value reads the same.
struct StepArgs {
  int epoch = 0;
  std::string in, out, scion, state, module_order;
  std::vector<std::string> groups;
};

const OptionTable<StepArgs>& step_options() {
  static const OptionTable<StepArgs> table = [] {
    OptionTable<StepArgs> t;
    t.start_group("Step");
    t.add(&StepArgs::epoch, "epoch", "--epoch", "0-based index of the epoch just trained (required but for --method fg)")
        .in_range(0, 1 << 24);
    t.add(&StepArgs::in, "in", "--in", "Input .safetensors state dict");
    t.add(&StepArgs::out, "out", "--out", "Output .safetensors (written atomically)");
    t.add(&StepArgs::scion, "scion", "--scion",
          "--method fg: the .safetensors state dict --in grafts from (same tensors and shapes; left as it is)");
    t.add(&StepArgs::state, "state", "--state",
          "JSON file carrying the method's state between calls (read if present, then rewritten)");
    t.start_group("Any PyTorch CNN (without --model)");
    t.add(&StepArgs::module_order, "module_order", "--module-order",
          "The model's module names in named_modules() order, one a line, as `[n for n, _ in "
          "model.named_modules()]` prints them (default: the natural order of the names, layer1.10 after layer1.9)");
    t.add(&StepArgs::groups, "groups", "--groups",
          "NAME=G: conv module NAME has G groups (needed where a method's options read groups)")
        .one_per_flag();
    return t;
  }();
  return table;
}

struct ReactivateCommandLine {
  CliOptions run_options, step;
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

// --groups NAME=G, NAME a conv module or its weight.
std::map<std::string, int> parse_groups(const std::vector<std::string>& items) {
  OptionDecl count;  // what G may be
  count.type = OptionType::kInt;
  count.in_range(1, 1 << 20);
  std::map<std::string, int> groups;
  for (const std::string& item : items) {
    const size_t eq = item.rfind('=');
    REVIVE_CHECK(eq != std::string::npos && eq > 0, "--groups " << item << ": expected NAME=G, e.g. features.3=32");
    std::string name = item.substr(0, eq);
    const std::string suffix = ".weight";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name.resize(name.size() - suffix.size());
    }
    const int g = parse_option_text(count, item.substr(eq + 1), "--groups " + item.substr(0, eq) + "=").get<int>();
    REVIVE_CHECK(groups.emplace(name, g).second, "--groups " << name << " is given twice");
  }
  return groups;
}

// What the file's names and shapes cannot say: the module order (from --module-order, else
// natural) and the groups --groups gives.
nn::StateDictModelSpec state_dict_model_spec(const StepArgs& a) {
  nn::StateDictModelSpec spec;
  spec.origin = a.in;
  if (!a.module_order.empty()) spec.module_order = nn::read_module_order(a.module_order);
  spec.conv_groups = parse_groups(a.groups);
  return spec;
}

// Replaces network k of the run by the model the file's names and shapes describe.
void use_state_dict_model(RunParts& run, size_t k, const SafetensorsFile& file, const nn::StateDictModelSpec& spec) {
  auto model = std::make_unique<nn::StateDictModel>(file.tensors, spec);
  const MethodSpec& method = find_method(run.config.method);
  for (const std::string& conv : model->convs_without_groups()) {
    const std::string needs = method.conv_groups_needed
                                  ? method.conv_groups_needed(run.config.method_options, file.tensors.at(conv).shape())
                                  : "--method " + method.name + " (it does not say which it reads)";
    if (needs.empty()) continue;
    REVIVE_THROW(needs << " reads conv groups, and a state dict does not hold them: the groups of " << conv
                       << " are unknown. Give --groups " << conv.substr(0, conv.rfind('.'))
                       << "=G for every conv (G = 1 for a plain conv), or --model");
  }
  RunNetwork& n = run.network(k);
  n.arena = std::make_unique<nn::ParameterArena>(nn::ParameterArena::build(*model, run.device, n.seed));
  n.model = std::move(model);
}

// A scion must hold the tensors of --in, of the same shapes and types: it is the same architecture.
void check_same_tensors(const SafetensorsFile& in, const std::string& in_path, const SafetensorsFile& scion,
                        const std::string& scion_path) {
  const std::string what = "--scion " + scion_path + " must hold the tensors of --in " + in_path + ": ";
  for (const auto& [name, t] : in.tensors) {
    const auto it = scion.tensors.find(name);
    REVIVE_CHECK(it != scion.tensors.end(), what << name << " is missing");
    REVIVE_CHECK(it->second.shape() == t.shape() && it->second.dtype() == t.dtype(),
                 what << name << " is " << shape_str(it->second.shape()) << " " << dtype_name(it->second.dtype())
                      << " there, " << shape_str(t.shape()) << " " << dtype_name(t.dtype()) << " in --in");
  }
  for (const auto& [name, t] : scion.tensors)
    REVIVE_CHECK(in.tensors.count(name), what << name << " is in the scion only");
}

// Loads `file` into network k (a state-dict model's own tensors only).
void load_network(RunParts& run, size_t k, const SafetensorsFile& file, const std::string& path) {
  nn::Module& model = *run.network(k).model;
  const auto* state_dict_model = dynamic_cast<const nn::StateDictModel*>(&model);
  nn::load_state_dict(model, state_dict_model ? state_dict_model->held(file.tensors) : file.tensors, path);
}

int run_reactivate(const ReactivateCommandLine& cl) {
  nlohmann::json given = cl.run_options.given();
  const nlohmann::json step_given = cl.step.given();
  StepArgs a;
  step_options().read_json(a, step_given, "command line", /*require_all=*/false);
  if (!given.contains("method")) given["method"] = "we";
  REVIVE_CHECK(given["method"] != "none", "--method none would copy the file unchanged; pick a reactivation method");
  const MethodSpec& method_spec = find_method(given["method"].get<std::string>());
  const bool grafts = static_cast<bool>(method_spec.step_from_scion);
  REVIVE_CHECK(!grafts || !a.scion.empty(), "--method " << method_spec.name << " grafts --in from a second network: "
                                                        << "give --scion B.safetensors (the same architecture)");
  REVIVE_CHECK(grafts || a.scion.empty(), "--scion is for --method fg, which grafts from a second network; --method "
                                              << method_spec.name << " steps --in on its own");
  REVIVE_CHECK(grafts || step_given.contains("epoch"), "--epoch is required: the 0-based index of the epoch just "
                                                       "trained (--method " << method_spec.name << " depends on it)");
  if (grafts) given["models"] = 2;  // --in and the scion
  const bool model_free = !given.contains("model");
  REVIVE_CHECK(model_free || (a.module_order.empty() && a.groups.empty()),
               "--module-order and --groups describe a model known only from its state dict; with --model, the "
               "architecture gives the order and the groups");
  // A step needs no learning-rate schedule of its own: the milestones, if any, make a step schedule
  // whose stages the method reads; the run's length defaults to the epochs up to this one.
  given["schedule"] = given.contains("milestones") ? "multistep" : "cosine";
  given["per_iteration"] = false;
  if (!given.contains("epochs")) given["epochs"] = a.epoch + 1;
  const RunConfig config = run_config_from_json(given, "command line", OptionSource::kUser);

  // The module order file and the groups are checked before the state dict is read.
  const nn::StateDictModelSpec spec = model_free ? state_dict_model_spec(a) : nn::StateDictModelSpec{};
  const SafetensorsFile file = load_safetensors(a.in);
  SafetensorsFile scion_file;
  if (grafts) {
    scion_file = load_safetensors(a.scion);
    check_same_tensors(file, a.in, scion_file, a.scion);
  }
  RunBuildOptions bo;
  bo.data = false;
  if (!model_free) std::tie(bo.in_channels, bo.num_classes) = input_and_classes(config, file);
  std::unique_ptr<RunParts> run = build_run(config, bo);
  nlohmann::json summary{{"in", a.in}, {"out", a.out}, {"method", config.method}};
  if (grafts) {
    summary["scion"] = a.scion;
  } else {
    summary["epoch"] = a.epoch;
  }
  if (model_free) {
    for (size_t k = 0; k < run->networks.size(); ++k) use_state_dict_model(*run, k, k == 0 ? file : scion_file, spec);
    std::fprintf(stderr, "revive: no --model: the modules are read from %s's names and shapes, in %s\n", a.in.c_str(),
                 a.module_order.empty() ? "the natural order of the names (give --module-order for the model's own)"
                                        : ("named_modules() order from " + a.module_order).c_str());
    summary["module_order"] = a.module_order.empty() ? "natural" : a.module_order;
  } else {
    summary["model"] = config.model;
  }
  load_network(*run, 0, file, a.in);
  if (grafts) load_network(*run, 1, scion_file, a.scion);
  nn::Module& model = *run->network().model;

  Reactivator& method = *run->reactivator;
  if (!a.state.empty() && std::filesystem::exists(a.state)) {
    std::ifstream is(a.state);
    try {
      method.load_state(nlohmann::json::parse(is));
    } catch (const nlohmann::json::exception& e) {
      REVIVE_THROW("--state " << a.state << " is not valid JSON (" << e.what() << ")");
    }
  }
  ReactivationContext ctx = run->reactivation_context();
  ctx.epoch = a.epoch;
  nlohmann::json report = nlohmann::json::object();
  {
    NoGradGuard no_grad;
    const std::vector<ModelRef> refs = run->model_refs();
    if (grafts) {
      report = method_spec.step_from_scion(config.method_options, refs[0], refs[1]);
    } else {
      method.apply(ctx, refs, report);
    }
  }

  // Everything the file held goes back out; the model's tensors carry the new values.
  std::map<std::string, Tensor> tensors = file.tensors;
  for (const auto& [name, t] : model.state_dict()) tensors[name] = t;
  NamedTensors out(tensors.begin(), tensors.end());
  save_safetensors(a.out, out, file.metadata);
  if (!a.state.empty()) {
    write_file_atomically(a.state, [&](std::ostream& os) { os << method.state().dump(2) << "\n"; });
  }
  summary["report"] = report;
  std::printf("%s\n", summary.dump().c_str());
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
    if (d.key == "model") {
      d.default_value = nullptr;
      d.help = "The architecture the weights belong to (the file must match it); without it, any CNN: the "
               "modules are read from the file's names and shapes";
    }
    if (d.key == "epochs") d.help = "The run's length in epochs, for rates that follow the schedule (default: --epoch + 1)";
  }
  cl->run_options.add(app, decls);
  for (const MethodSpec& m : reactivation_methods()) cl->run_options.add(app, m.options);
  std::vector<OptionDecl> step_decls = step_options().decl_list();
  for (OptionDecl& d : step_decls) {
    if (d.key == "epoch") d.default_value = nullptr;  // required (but with --scion): no default to show
  }
  cl->step.add(app, step_decls);
  for (const char* flag : {"--in", "--out"}) app.get_option(flag)->required();
  return [cl] { return run_reactivate(*cl); };
}

}  // namespace revive::cli
