#include "tools/train_run.h"

#include <chrono>
#include <cstdio>
#include <optional>

#include "core/atomic_file.h"
#include "core/autograd.h"
#include "core/parallel.h"
#include "core/safetensors.h"
#include "kernels/cpu/host_cpu.h"
#include "kernels/cuda_math.h"
#include "optim/checkpoint.h"
#include "optim/ensemble.h"
#include "optim/metrics.h"
#include "reactivation/arena_tensors.h"
#include "reactivation/filter_census.h"
#include "run/conv_route_pins.h"
#include "run/network_group.h"
#include "run/run_builder.h"

namespace revive::cli {
namespace {

// `device`: the device as the run was asked for (each rank of a group picks its own from it).
void write_config(const std::string& out, RunParts& run, const std::string& device) {
  nlohmann::json config = run_config_to_json(run.config);
  config["device"] = device;
  config["revive_version"] = REVIVE_VERSION;
  config["n_parameters"] = run.n_parameters();
  config["threads_used"] = num_threads();
  config["host"] = kernels::cpu::host_json();  // the CPU convolution routes are in routes.json
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

// The first network's conv filters by average L1 (its weights on the CPU).
nlohmann::json census_of(const nn::ParameterArena& arena, const FilterTable& table) {
  const Tensor values = arena.params().to(Device::cpu());
  return filter_census_json(filter_census(conv_layer_filters(table, values.data<float>())));
}

// A method's per-epoch detail (its telemetry's "detail", e.g. Filter Grafting's every group and
// network) in <out>/<method>/epoch_EEEE.json, EEEE the metrics line's 1-based epoch, written
// atomically; returns the file's path in the run folder.
std::string write_detail(const std::string& out, const std::string& method, int epoch, const nlohmann::json& detail) {
  char name[32];
  std::snprintf(name, sizeof(name), "/epoch_%04d.json", epoch + 1);
  const std::string relative = method + name;
  ensure_writable_dir(out + "/" + method);
  write_file_atomically(out + "/" + relative, [&](std::ostream& os) { os << detail.dump() << "\n"; });
  return relative;
}

}  // namespace

TrainRunResult train_run_folder(const RunConfig& config, const std::string& out, const TrainRunOptions& options) {
  REVIVE_CHECK(options.stop != nullptr, "train_run_folder needs a stop flag");
  const char* prefix = options.log_prefix.c_str();
  NetworkGroup* group = options.group;
  const bool writer = group == nullptr || group->rank() == 0;  // the process that writes the folder
  if (writer) ensure_writable_dir(out);  // fail before any work when the output cannot be written
  std::unique_ptr<RunParts> run = build_run(group ? group->for_this_process(config) : config);
  if (group) group->attach(*run);
  const RunConfig& c = run->config;
  Reactivator& reactivator = *run->reactivator;
  std::optional<CheckpointWriter> checkpoints;
  if (writer) checkpoints.emplace(out + "/checkpoints", c.keep_last);

  std::vector<TrainPosition> start;
  if (options.resume) {
    pin_recorded_conv_routes(out);  // the interrupted run's convolution routes, before any step
    const std::optional<std::string> latest = find_latest_checkpoint(out + "/checkpoints");
    REVIVE_CHECK(latest.has_value(), "--resume " << out << ": no checkpoint in " << out << "/checkpoints");
    const CheckpointContents contents = load_checkpoint(*latest, run->checkpoint_networks());
    start = contents.positions;
    if (group) start = {start.at(static_cast<size_t>(group->rank()))};  // each rank its own network's
    reactivator.load_state(contents.reactivation_state);
    if (writer) truncate_metrics(out + "/metrics.jsonl", start.front().epoch);
    if (writer) std::fprintf(stderr, "%sresuming %s from %s (epoch %d, step %lld)\n", prefix, out.c_str(), latest->c_str(),
                 start.front().epoch + 1, static_cast<long long>(start.front().step));
  } else if (writer) {
    write_config(out, *run, group ? config.device : c.device);
  }
  if (writer) std::fprintf(stderr, "%s%s (%lld parameters%s) on %s, device %s: %lld train / %lld test images, %d epochs, "
                       "batch %d, %s, %d threads, method %s\n%swriting %s/\n",
               prefix, c.model.c_str(), static_cast<long long>(run->n_parameters()),
               c.models > 1 ? (", " + std::to_string(c.models) + " networks").c_str() : "", c.dataset.c_str(),
               c.device.c_str(), static_cast<long long>(run->data.train.size()),
               static_cast<long long>(run->data.test.size()), c.epochs, c.batch,
               run->network().schedule->describe().c_str(), num_threads(), c.method.c_str(), prefix, out.c_str());

  if (writer && run->device.is_cuda()) {
    std::fprintf(stderr, "%sCUDA math: %s\n", prefix,
                 kernels::describe(kernels::cuda_math_choice(kernels::cuda_options())).c_str());
  }

  MetricsLog log;
  if (writer) log = MetricsLog(out + "/metrics.jsonl", /*truncate=*/!options.resume);
  TrainerOptions topts;
  topts.epochs = c.epochs;
  topts.progress = options.progress && writer;
  topts.log_epochs = writer;
  topts.stop_after_steps = options.stop_after_steps;
  topts.cuda_graph = optim::graph_mode_named(c.cuda_graph);
  std::vector<TrainNetwork> trained = run->train_networks();
  if (group) trained = {trained.at(static_cast<size_t>(group->rank()))};
  Trainer trainer(trained, *run->test, topts);
  trainer.set_metrics_log(writer ? &log : nullptr);
  trainer.set_stop_flag(options.stop);
  ReactivationContext ctx = run->reactivation_context();
  const std::vector<ModelRef> models = run->model_refs();
  const nn::ParameterArena& first = *run->network().arena;
  const FilterTable table = FilterTable::build(reactivatable_tensors(first), first.n_elements());
  const NetworkGroup::Census census = [&](const RunNetwork& n) { return census_of(*n.arena, table); };
  nlohmann::json detail;  // the step's detail, written outside the method's time
  trainer.set_after_eval_hook([&](int epoch, nlohmann::json& m) {
    NoGradGuard no_grad;
    ctx.epoch = epoch;
    nlohmann::json telemetry = nlohmann::json::object();
    if (group) {
      telemetry = group->reactivate(ctx, *run, trainer.position(), census, m);
    } else {
      reactivator.apply(ctx, models, telemetry);
    }
    detail = nullptr;
    if (telemetry.contains("detail")) {
      detail = std::move(telemetry["detail"]);
      telemetry.erase("detail");
    }
    if (!telemetry.empty()) m["reactivation"] = telemetry;
  });
  nlohmann::json last_line;
  trainer.set_epoch_weights_hook([&](int epoch, nlohmann::json& m) {
    if (!writer) return;
    m["filters"] = census_of(first, table);
    // Every network's census beside its accuracy (a group's ranks sent theirs with their figures).
    if (run->networks.size() > 1 && !group) {
      m["networks"][0]["filters"] = m["filters"];
      for (size_t k = 1; k < run->networks.size(); ++k)
        m["networks"][k]["filters"] = census_of(*run->network(k).arena, table);
    }
    if (!detail.is_null()) m["reactivation"]["detail_file"] = write_detail(out, c.method, epoch, detail);
    last_line = m;
  });
  const std::vector<CheckpointNetwork> networks = run->checkpoint_networks();
  trainer.set_position_callback([&](const std::vector<TrainPosition>& positions) {
    const int epoch = positions.front().epoch;
    const bool due =
        trainer.stopped() || epoch == c.epochs || (c.checkpoint_every > 0 && epoch % c.checkpoint_every == 0);
    // A group's ranks agree on `due` (no rank stops on its own): each joins the gather.
    const std::vector<TrainPosition> all = due && group ? group->gather(*run, positions.front()) : positions;
    if (due && writer) {
      try {
        record_conv_routes(out);  // on disk before the checkpoint that relies on them
        checkpoints->write(networks, {all, reactivator.state(), c.seed});
      } catch (const Error& e) {
        // Training goes on: the previous checkpoint is intact, and the next one may succeed.
        std::fprintf(stderr, "%swarning: checkpoint not written, the previous one is kept: %s\n", prefix, e.what());
      }
    }
    if (!trainer.stopped() && writer && options.on_epoch) options.on_epoch(last_line);
  });

  TrainRunResult result;
  const auto t0 = std::chrono::steady_clock::now();
  trainer.fit(start);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.steps = trainer.steps_taken();
  if (trainer.stopped()) {
    result.interrupted = true;
    result.epoch = trainer.position().epoch;
    result.step = trainer.position().step;
    return result;
  }
  if (!writer) return result;
  save_models(out, *run);  // a group's rank 0 holds every network: the last checkpoint gathered them
  nlohmann::json extra = nlohmann::json::object();
  if (run->networks.size() > 1) {
    const auto [best, best_acc] = best_final_network(out);
    std::vector<nn::Module*> members;
    for (RunNetwork& n : run->networks) members.push_back(n.model.get());
    const EvalResult ensemble = evaluate_ensemble(members, *run->test);
    extra = {{"best_network", best}, {"best_network_test_acc", best_acc},
             {"ensemble_test_acc", ensemble.accuracy}, {"ensemble_test_loss", ensemble.loss}};
    std::fprintf(stderr, "%sbest single network: %d (%.2f%%); ensemble of the %zu networks (mean of their "
                         "softmax outputs): %.2f%%\n",
                 prefix, best, 100 * best_acc, members.size(), 100 * ensemble.accuracy);
  }
  result.summary = write_summary(out, result.seconds, extra);
  return result;
}

}  // namespace revive::cli
