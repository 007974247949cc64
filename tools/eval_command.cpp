// `revive eval`: loads weights (a revive model.safetensors, or a PyTorch state dict saved as
// safetensors with the same names) into a model and reports test loss and accuracy.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/safetensors.h"
#include "nn/state_dict.h"
#include "run/run_builder.h"
#include "tools/commands.h"
#include "tools/option_cli.h"

namespace revive::cli {
namespace {

// The run options `revive eval` takes; the evaluation batch is its --batch.
const std::vector<std::string> kEvalKeys{"model",      "width",   "dataset", "data_dir",
                                         "limit_test", "threads", "device",  "eval_batch"};

struct EvalCommandLine {
  CliOptions options;
  std::string weights;
};

int run_eval(const EvalCommandLine& cl) {
  const RunConfig config = run_config_from_json(cl.options.given(), "command line", OptionSource::kUser);
  const SafetensorsFile file = load_safetensors(cl.weights);
  RunBuildOptions bo;
  bo.training = false;
  std::unique_ptr<RunParts> run = build_run(config, bo);
  nn::load_state_dict(*run->network().model, file.tensors, cl.weights);
  const EvalResult r = evaluate(*run->network().model, *run->test);
  const nlohmann::json out{{"weights", cl.weights}, {"model", config.model}, {"dataset", config.dataset},
                           {"n_samples", r.n_samples}, {"test_loss", r.loss}, {"test_acc", r.accuracy}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

Runner add_eval_command(CLI::App& app) {
  auto cl = std::make_shared<EvalCommandLine>();
  app.add_option("--weights", cl->weights, "A .safetensors file with the model's state dict")->required();
  std::vector<OptionDecl> decls;
  for (const std::string& key : kEvalKeys) decls.push_back(run_options().decl(key));
  cl->options.add(app, decls, {{"eval_batch", "--batch"}});
  return [cl] { return run_eval(*cl); };
}

}  // namespace revive::cli
