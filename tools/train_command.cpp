// `revive train`: builds the model, data and optimiser from the command line (or, with --resume,
// from the run folder's config.json), trains, and writes the run folder:
//   config.json        every option (written before training starts)
//   metrics.jsonl      one line per epoch, appended as each ends
//   checkpoints/       the newest --keep-last checkpoints (optim/checkpoint.h)
//   model.safetensors  and summary.json, written atomically when training completes
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "core/autograd.h"
#include "core/json_fields.h"
#include "core/parallel.h"
#include "core/safetensors.h"
#include "data/loader.h"
#include "data/registry.h"
#include "data/transforms.h"
#include "kernels/device_runtime.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "optim/checkpoint.h"
#include "optim/metrics.h"
#include "optim/schedule.h"
#include "optim/sgd.h"
#include "optim/trainer.h"
#include "reactivation/reactivator.h"
#include "tools/commands.h"
#include "tools/signals.h"
#include "tools/train_args.h"

namespace revive::cli {
namespace {

namespace fs = std::filesystem;

struct CommandLine {
  TrainArgs args;
  std::string out;
  std::string resume;
  bool no_progress = false;
  int64_t stop_after_steps = -1;
};

std::string default_out_dir(const TrainArgs& a) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return "runs/" + a.model + "-" + a.dataset + "-" + a.method + "-s" + std::to_string(a.seed) + "-" + stamp;
}

// Keeps the first n samples (quick experiments and tests).
Dataset take_first(const Dataset& d, int64_t n) {
  if (n <= 0 || n >= d.size()) return d;
  const auto per = static_cast<size_t>(d.sample_numel());
  std::vector<uint8_t> images(d.images().begin(), d.images().begin() + static_cast<std::ptrdiff_t>(per * n));
  std::vector<int64_t> labels(d.labels().begin(), d.labels().begin() + n);
  return Dataset(d.name(), d.channels(), d.height(), d.width(), d.num_classes(), std::move(images), std::move(labels));
}

// The usable lines of metrics.jsonl: they end at the first line that is not a JSON object with an
// integer epoch (a line cut short by a crash, or damage).
std::vector<nlohmann::json> read_metrics(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream is(path);
  std::string line;
  while (std::getline(is, line)) {
    if (line.empty()) continue;
    nlohmann::json l = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!l.is_object() || !l.contains("epoch") || !l["epoch"].is_number_integer()) break;
    lines.push_back(std::move(l));
  }
  return lines;
}

// A resumed run recomputes everything after its checkpoint: keep only the finished epochs before it.
void truncate_metrics(const std::string& path, int finished_epochs) {
  std::vector<nlohmann::json> keep;
  for (auto& l : read_metrics(path)) {
    const bool interrupted = l.contains("interrupted") && l["interrupted"] == true;
    if (!interrupted && l["epoch"] <= finished_epochs) keep.push_back(std::move(l));
  }
  write_file_atomically(path, [&](std::ostream& os) {
    for (const auto& l : keep) os << l.dump() << '\n';
  });
}

TrainArgs read_config(const std::string& dir) {
  const std::string path = dir + "/config.json";
  std::ifstream is(path);
  REVIVE_CHECK(is.good(), "--resume " << dir << ": no config.json there (is it a revive run folder?)");
  std::stringstream text;
  text << is.rdbuf();
  return train_args_from_json(json_parse(text.str(), path), path);
}

int run_train(const CommandLine& cl) {
  const bool resuming = !cl.resume.empty();
  TrainArgs a = resuming ? read_config(cl.resume) : cl.args;
  set_num_threads(a.threads);
  const Device device = parse_device(a.device.empty() ? kernels::default_device_name() : a.device);
  kernels::use_device(device);  // a clear error when CUDA is asked for and absent
  a.device = device.str();
  REVIVE_CHECK(a.checkpoint_every >= 0, "--checkpoint-every must be >= 0 (0: only when interrupted)");
  const std::string out = resuming ? cl.resume : (cl.out.empty() ? default_out_dir(a) : cl.out);
  ensure_writable_dir(out);  // fail before any work when the output cannot be written

  DatasetSplits splits = load_dataset(a.dataset, a.data_dir);
  splits.train = take_first(splits.train, a.limit_train);
  splits.test = take_first(splits.test, a.limit_test);
  REVIVE_CHECK(a.augment == "on" || a.augment == "off" || a.augment == "auto",
               "--augment " << a.augment << ": expected auto, on or off");
  const bool augment = a.augment == "on" || (a.augment == "auto" && a.dataset.rfind("cifar", 0) == 0);

  TransformOptions train_tf;
  train_tf.norm = normalization_for(splits.train);
  if (augment) {
    train_tf.pad = 4;
    train_tf.flip = true;
  }
  TransformOptions test_tf;
  test_tf.norm = train_tf.norm;
  DataLoader train_loader(splits.train, a.batch, /*shuffle=*/true, train_tf, a.seed);
  DataLoader test_loader(splits.test, a.eval_batch, /*shuffle=*/false, test_tf, a.seed);

  nn::models::ModelOptions mopts;
  mopts.width = static_cast<float>(a.width);
  std::unique_ptr<nn::Module> model =
      nn::models::make_model(a.model, splits.train.channels(), splits.train.num_classes(), mopts);
  nn::ParameterArena arena = nn::ParameterArena::build(*model, device, a.seed);

  optim::ScheduleOptions sopts;
  sopts.lr = a.lr;
  sopts.epochs = a.epochs;
  sopts.milestones = a.milestones;
  sopts.step_size = a.step_size;
  sopts.gamma = a.gamma;
  sopts.eta_min = a.eta_min;
  sopts.per_iteration = a.per_iteration;
  sopts.warmup_epochs = a.warmup_epochs;
  const optim::LrSchedule schedule = optim::make_schedule(a.schedule, sopts);

  optim::SgdOptions opts;
  opts.lr = a.lr;
  opts.momentum = a.momentum;
  opts.weight_decay = a.weight_decay;
  opts.nesterov = a.nesterov;
  optim::SgdOptimizer sgd(opts, arena.params());
  std::unique_ptr<Reactivator> reactivator = make_reactivator(a.method, {a.we_preset, a.we_ablations, a.we_set});
  CheckpointWriter checkpoints(out + "/checkpoints", a.keep_last);

  TrainPosition start;
  if (resuming) {
    const std::optional<std::string> latest = find_latest_checkpoint(out + "/checkpoints");
    REVIVE_CHECK(latest.has_value(), "--resume " << out << ": no checkpoint in " << out << "/checkpoints");
    const CheckpointContents c = load_checkpoint(*latest, *model, arena, sgd);
    start = c.position;
    reactivator->load_state(c.reactivation_state);
    truncate_metrics(out + "/metrics.jsonl", start.epoch);
    std::fprintf(stderr, "revive: resuming %s from %s (epoch %d, step %lld)\n", out.c_str(), latest->c_str(),
                 start.epoch + 1, static_cast<long long>(start.step));
  } else {
    nlohmann::json config = train_args_to_json(a);
    config["revive_version"] = REVIVE_VERSION;
    config["n_parameters"] = arena.params().numel();
    config["threads_used"] = num_threads();
    config["schedule_description"] = schedule.describe();
    write_file_atomically(out + "/config.json", [&](std::ostream& os) { os << config.dump(2) << "\n"; });
  }

  std::fprintf(stderr, "revive: %s (%lld parameters) on %s, device %s: %lld train / %lld test images, %d epochs, "
                       "batch %d, %s, %d threads, method %s\nrevive: writing %s/\n",
               a.model.c_str(), static_cast<long long>(arena.params().numel()), a.dataset.c_str(), a.device.c_str(),
               static_cast<long long>(splits.train.size()), static_cast<long long>(splits.test.size()), a.epochs,
               a.batch, schedule.describe().c_str(), num_threads(), a.method.c_str(), out.c_str());

  MetricsLog log(out + "/metrics.jsonl", /*truncate=*/!resuming);
  TrainerOptions topts;
  topts.epochs = a.epochs;
  topts.progress = !cl.no_progress;
  topts.stop_after_steps = cl.stop_after_steps;
  Trainer trainer(*model, arena, sgd, schedule, train_loader, test_loader, topts);
  trainer.set_metrics_log(&log);
  trainer.set_stop_flag(&install_stop_handlers());
  ReactivationContext ctx;
  ctx.total_epochs = a.epochs;
  ctx.stage_boundaries = schedule.stage_boundaries();
  trainer.set_after_eval_hook([&](int epoch, nlohmann::json& m) {
    NoGradGuard no_grad;
    ctx.epoch = epoch;
    nlohmann::json telemetry = nlohmann::json::object();
    reactivator->apply_one(ctx, *model, arena, telemetry);
    if (!telemetry.empty()) m["reactivation"] = telemetry;
  });
  trainer.set_position_callback([&](const TrainPosition& pos) {
    const bool due = trainer.stopped() || pos.epoch == a.epochs ||
                     (a.checkpoint_every > 0 && pos.epoch % a.checkpoint_every == 0);
    if (!due) return;
    try {
      checkpoints.write(*model, arena, sgd, {pos, reactivator->state(), a.seed});
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

  save_safetensors(out + "/model.safetensors", model->state_dict(),
                   {{"format", "pt"}, {"model", a.model}, {"dataset", a.dataset}});
  const std::vector<nlohmann::json> lines = read_metrics(out + "/metrics.jsonl");
  REVIVE_CHECK(!lines.empty(), out << "/metrics.jsonl lost its lines");
  double best = 0;
  for (const auto& l : lines) best = std::max(best, l.value("test_acc", 0.0));
  const nlohmann::json summary{{"epochs", lines.size()},
                               {"final_test_acc", lines.back()["test_acc"]},
                               {"best_test_acc", best},
                               {"seconds_this_session", seconds}};
  write_file_atomically(out + "/summary.json", [&](std::ostream& os) { os << summary.dump(2) << "\n"; });
  std::fprintf(stderr, "revive: done in %.1fs: final test accuracy %.2f%% (best %.2f%%); results in %s/\n", seconds,
               100 * lines.back()["test_acc"].get<double>(), 100 * best, out.c_str());
  return 0;
}

}  // namespace

Runner add_train_command(CLI::App& app) {
  auto cl = std::make_shared<CommandLine>();
  TrainArgs& a = cl->args;
  app.add_option("--model", a.model, "resnet20|resnet32|resnet56|resnet110|mobilenetv1|mobilenetv2|"
                                     "shufflenetv1|densenet40|cnn")->capture_default_str();
  app.add_option("--width", a.width, "Width multiplier (mobilenetv2)")->capture_default_str();
  app.add_option("--dataset", a.dataset, "fashion-mnist|cifar10|cifar100|synthetic")->capture_default_str();
  app.add_option("--data-dir", a.data_dir, "Dataset folder (default for fashion-mnist: /usr/share/datasets/fashion-mnist)");
  app.add_option("--limit-train", a.limit_train, "Use only the first N training images (0 = all)")->capture_default_str();
  app.add_option("--limit-test", a.limit_test, "Use only the first N test images (0 = all)")->capture_default_str();
  app.add_option("--augment", a.augment, "Pad-and-crop + flip: auto (on for CIFAR), on, off")->capture_default_str();
  app.add_option("--epochs", a.epochs, "Training epochs")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--batch", a.batch, "Training batch size")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--eval-batch", a.eval_batch, "Evaluation batch size")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--lr", a.lr, "Initial learning rate")->capture_default_str();
  app.add_option("--schedule", a.schedule, "constant|step|multistep|cosine")->capture_default_str();
  app.add_flag("--per-iteration,!--per-epoch", a.per_iteration,
               "Cosine: anneal every iteration (default) or, with --per-epoch, once per epoch");
  app.add_option("--milestones", a.milestones, "Multistep: epochs where the lr is multiplied by --gamma")->delimiter(',');
  app.add_option("--step-size", a.step_size, "Step: decay every N epochs");
  app.add_option("--gamma", a.gamma, "Step/multistep decay factor")->capture_default_str();
  app.add_option("--eta-min", a.eta_min, "Cosine: final learning rate")->capture_default_str();
  app.add_option("--warmup-epochs", a.warmup_epochs, "Linear warm-up length in epochs")->capture_default_str();
  app.add_option("--momentum", a.momentum, "SGD momentum")->capture_default_str();
  app.add_option("--wd", a.weight_decay, "Weight decay")->capture_default_str();
  app.add_flag("--nesterov", a.nesterov, "Nesterov momentum");
  app.add_option("--seed", a.seed, "Seed of initialisation, data order and augmentation")->capture_default_str();
  app.add_option("--threads", a.threads, "Worker threads (0 = all cores)")->capture_default_str();
  app.add_option("--device", a.device,
                 "cpu, cuda or cuda:N (default: cuda when this build has CUDA and a GPU is present, else cpu)");
  app.add_option("--method", a.method, "Reactivation method: none | we (Weight Evolution)")->capture_default_str();
  app.add_option("--we-preset", a.we_preset, "WE preset: paper (the paper's formulas and rates) | reference (the "
                                             "published code's behaviour)")->capture_default_str();
  app.add_option("--we-ablation", a.we_ablations, "WE ablations (comma-separated or repeated): we-g, we-l, we-rm, "
                                                  "fixed-alpha=<a>, filter-level-gl, without-bn, without-conv")
      ->delimiter(',');
  app.add_option("--we-set", a.we_set, "WE option overrides key=value (repeatable), e.g. rate_conv=0.1, "
                                       "ri_threshold=0.1, eta=15, crossover=reference_code");
  app.add_option("--checkpoint-every", a.checkpoint_every, "Write a checkpoint every N epochs (0: only at the end "
                                                           "and when interrupted)")->capture_default_str();
  app.add_option("--keep-last", a.keep_last, "Checkpoints to keep")->capture_default_str();
  app.add_option("--out", cl->out, "Run folder (default: runs/<model>-<dataset>-<method>-s<seed>-<time>)");
  CLI::Option* resume = app.add_option("--resume", cl->resume, "Continue the run in this folder from its newest "
                                                                "checkpoint, with the options in its config.json");
  // A resumed run takes every training option from its config.json; giving one again is an error.
  for (CLI::Option* o : app.get_options()) {
    if (o != resume && o->get_name() != "--help") resume->excludes(o);
  }
  app.add_flag("--no-progress", cl->no_progress, "No progress bar / progress lines on stderr");
  app.add_option("--stop-after-steps", cl->stop_after_steps, "Testing: act as if interrupted after N steps")
      ->group("");
  return [cl] { return run_train(*cl); };
}

}  // namespace revive::cli
