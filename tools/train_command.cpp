// `revive train`: builds the run from the command line (or, with --resume, from the run folder's
// config.json) through the run builder, trains, and writes the run folder:
//   config.json        every option (written before training starts)
//   metrics.jsonl      one line per epoch, appended as each ends
//   checkpoints/       the newest --keep-last checkpoints (optim/checkpoint.h)
//   model.safetensors  and summary.json, written atomically when training completes (a run of N
//                      networks adds model.net<k>.safetensors for k = 2..N)
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "core/autograd.h"
#include "core/json_fields.h"
#include "core/parallel.h"
#include "core/safetensors.h"
#include "optim/checkpoint.h"
#include "optim/ensemble.h"
#include "optim/metrics.h"
#include "reactivation/registry.h"
#include "run/run_builder.h"
#include "tools/commands.h"
#include "tools/option_cli.h"
#include "tools/run_folder.h"
#include "tools/signals.h"

namespace revive::cli {
namespace {

struct CommandLine {
  CliOptions options;
  std::string out;
  std::string resume;
  bool no_progress = false;
  int64_t stop_after_steps = -1;
};

std::string default_out_dir(const RunConfig& c) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return "runs/" + c.model + "-" + c.dataset + "-" + c.method + "-s" + std::to_string(c.seed) + "-" + stamp;
}

RunConfig read_config(const std::string& dir) {
  const std::string path = dir + "/config.json";
  std::ifstream is(path);
  REVIVE_CHECK(is.good(), "--resume " << dir << ": no config.json there (is it a revive run folder?)");
  std::stringstream text;
  text << is.rdbuf();
  return run_config_from_json(json_parse(text.str(), path), path);
}

RunConfig config_from(const CommandLine& cl) {
  if (cl.resume.empty()) return run_config_from_json(cl.options.given(), "command line", OptionSource::kUser);
  std::vector<std::string> flags = cl.options.given_flags();
  if (!cl.out.empty()) flags.push_back("--out");
  if (!flags.empty()) {
    std::string list;
    for (const auto& f : flags) list += (list.empty() ? "" : ", ") + f;
    REVIVE_THROW("--resume continues a run with the options in its config.json; drop " << list);
  }
  return read_config(cl.resume);
}

void write_config(const std::string& out, RunParts& run) {
  nlohmann::json config = run_config_to_json(run.config);
  config["revive_version"] = REVIVE_VERSION;
  config["n_parameters"] = run.n_parameters();
  config["threads_used"] = num_threads();
  config["schedule_description"] = run.network().schedule->describe();
  write_file_atomically(out + "/config.json", [&](std::ostream& os) { os << config.dump(2) << "\n"; });
}

void save_models(const std::string& out, RunParts& run) {
  for (size_t k = 0; k < run.networks.size(); ++k) {
    const std::string name = k == 0 ? "/model.safetensors" : "/model.net" + std::to_string(k + 1) + ".safetensors";
    save_safetensors(out + name, run.networks[k].model->state_dict(),
                     {{"format", "pt"}, {"model", run.config.model}, {"dataset", run.config.dataset}});
  }
}

int run_train(const CommandLine& cl) {
  const bool resuming = !cl.resume.empty();
  const RunConfig config = config_from(cl);
  const std::string out = resuming ? cl.resume : (cl.out.empty() ? default_out_dir(config) : cl.out);
  ensure_writable_dir(out);  // fail before any work when the output cannot be written
  std::unique_ptr<RunParts> run = build_run(config);
  const RunConfig& c = run->config;
  Reactivator& reactivator = *run->reactivator;
  CheckpointWriter checkpoints(out + "/checkpoints", c.keep_last);

  std::vector<TrainPosition> start;
  if (resuming) {
    const std::optional<std::string> latest = find_latest_checkpoint(out + "/checkpoints");
    REVIVE_CHECK(latest.has_value(), "--resume " << out << ": no checkpoint in " << out << "/checkpoints");
    const CheckpointContents contents = load_checkpoint(*latest, run->checkpoint_networks());
    start = contents.positions;
    reactivator.load_state(contents.reactivation_state);
    truncate_metrics(out + "/metrics.jsonl", start.front().epoch);
    std::fprintf(stderr, "revive: resuming %s from %s (epoch %d, step %lld)\n", out.c_str(), latest->c_str(),
                 start.front().epoch + 1, static_cast<long long>(start.front().step));
  } else {
    write_config(out, *run);
  }
  std::fprintf(stderr, "revive: %s (%lld parameters%s) on %s, device %s: %lld train / %lld test images, %d epochs, "
                       "batch %d, %s, %d threads, method %s\nrevive: writing %s/\n",
               c.model.c_str(), static_cast<long long>(run->n_parameters()),
               c.models > 1 ? (", " + std::to_string(c.models) + " networks").c_str() : "", c.dataset.c_str(),
               c.device.c_str(), static_cast<long long>(run->data.train.size()),
               static_cast<long long>(run->data.test.size()), c.epochs, c.batch,
               run->network().schedule->describe().c_str(), num_threads(), c.method.c_str(), out.c_str());

  MetricsLog log(out + "/metrics.jsonl", /*truncate=*/!resuming);
  TrainerOptions topts;
  topts.epochs = c.epochs;
  topts.progress = !cl.no_progress;
  topts.stop_after_steps = cl.stop_after_steps;
  Trainer trainer(run->train_networks(), *run->test, topts);
  trainer.set_metrics_log(&log);
  trainer.set_stop_flag(&install_stop_handlers());
  ReactivationContext ctx = run->reactivation_context();
  const std::vector<ModelRef> models = run->model_refs();
  trainer.set_after_eval_hook([&](int epoch, nlohmann::json& m) {
    NoGradGuard no_grad;
    ctx.epoch = epoch;
    nlohmann::json telemetry = nlohmann::json::object();
    reactivator.apply(ctx, models, telemetry);
    if (!telemetry.empty()) m["reactivation"] = telemetry;
  });
  const std::vector<CheckpointNetwork> networks = run->checkpoint_networks();
  trainer.set_position_callback([&](const std::vector<TrainPosition>& positions) {
    const int epoch = positions.front().epoch;
    const bool due = trainer.stopped() || epoch == c.epochs || (c.checkpoint_every > 0 && epoch % c.checkpoint_every == 0);
    if (!due) return;
    try {
      checkpoints.write(networks, {positions, reactivator.state(), c.seed});
    } catch (const Error& e) {
      // Training goes on: the previous checkpoint is intact, and the next one may succeed.
      std::fprintf(stderr, "revive: warning: checkpoint not written, the previous one is kept: %s\n", e.what());
    }
  });

  const auto t0 = std::chrono::steady_clock::now();
  trainer.fit(start);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (trainer.stopped()) {
    std::fprintf(stderr, "revive: interrupted at epoch %d, step %lld; checkpoint written. Resume with:\n"
                         "  revive train --resume %s\n",
                 trainer.position().epoch + 1, static_cast<long long>(trainer.position().step), out.c_str());
    return 130;
  }
  save_models(out, *run);
  nlohmann::json extra = nlohmann::json::object();
  if (run->networks.size() > 1) {
    const auto [best, best_acc] = best_final_network(out);
    std::vector<nn::Module*> members;
    for (RunNetwork& n : run->networks) members.push_back(n.model.get());
    const EvalResult ensemble = evaluate_ensemble(members, *run->test);
    extra = {{"best_network", best}, {"best_network_test_acc", best_acc},
             {"ensemble_test_acc", ensemble.accuracy}, {"ensemble_test_loss", ensemble.loss}};
    std::fprintf(stderr, "revive: best single network: %d (%.2f%%); ensemble of the %zu networks (mean of their "
                         "softmax outputs): %.2f%%\n",
                 best, 100 * best_acc, members.size(), 100 * ensemble.accuracy);
  }
  const RunSummary summary = write_summary(out, seconds, extra);
  std::fprintf(stderr, "revive: done in %.1fs: final test accuracy %.2f%% (best %.2f%%); results in %s/\n", seconds,
               100 * summary.final_test_acc, 100 * summary.best_test_acc, out.c_str());
  return 0;
}

}  // namespace

Runner add_train_command(CLI::App& app) {
  auto cl = std::make_shared<CommandLine>();
  cl->options.add(app, run_option_decls());
  for (const MethodSpec& m : reactivation_methods()) cl->options.add(app, m.options);
  app.add_option("--out", cl->out, "Run folder (default: runs/<model>-<dataset>-<method>-s<seed>-<time>)")
      ->group("Run folder");
  app.add_option("--resume", cl->resume,
                 "Continue the run in this folder from its newest checkpoint, with the options in its config.json "
                 "(give no other training option)")
      ->group("Run folder");
  app.add_flag("--no-progress", cl->no_progress, "No progress bar / progress lines on stderr")->group("Run folder");
  app.add_option("--stop-after-steps", cl->stop_after_steps, "Testing: act as if interrupted after N steps")
      ->group("");
  return [cl] { return run_train(*cl); };
}

}  // namespace revive::cli
