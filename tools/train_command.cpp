// `revive train`: builds the model, data and optimiser from the command line, trains, and writes
// the run folder: config.json, metrics.jsonl (one line per epoch, written as it ends),
// model.safetensors and summary.json (both written atomically when training completes).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/autograd.h"
#include "core/parallel.h"
#include "core/safetensors.h"
#include "data/loader.h"
#include "data/registry.h"
#include "data/transforms.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "optim/metrics.h"
#include "optim/schedule.h"
#include "optim/sgd.h"
#include "optim/trainer.h"
#include "reactivation/reactivator.h"
#include "tools/commands.h"

namespace revive::cli {
namespace {

struct TrainArgs {
  std::string model = "cnn";
  double width = 1.0;
  std::string dataset = "fashion-mnist";
  std::string data_dir;
  int64_t limit_train = 0, limit_test = 0;
  std::string augment = "auto";
  int epochs = 3;
  int batch = 128;
  int eval_batch = 500;
  double lr = 0.05;
  std::string schedule = "cosine";
  bool per_iteration = false;
  std::vector<int> milestones;
  int step_size = 0;
  double gamma = 0.1;
  double eta_min = 0.0;
  int warmup_epochs = 0;
  double momentum = 0.9;
  double weight_decay = 5e-4;
  bool nesterov = false;
  uint64_t seed = 0;
  int threads = 0;
  std::string device = "cpu";
  std::string out;
  std::string method = "none";
  bool no_progress = false;
};

std::string default_out_dir(const TrainArgs& a) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return "runs/" + a.model + "-" + a.dataset + "-" + a.method + "-s" + std::to_string(a.seed) + "-" + stamp;
}

nlohmann::json to_json(const TrainArgs& a) {
  return {{"model", a.model},        {"width", a.width},
          {"dataset", a.dataset},    {"data_dir", a.data_dir},
          {"limit_train", a.limit_train}, {"limit_test", a.limit_test},
          {"augment", a.augment},    {"epochs", a.epochs},
          {"batch", a.batch},        {"eval_batch", a.eval_batch},
          {"lr", a.lr},              {"schedule", a.schedule},
          {"per_iteration", a.per_iteration}, {"milestones", a.milestones},
          {"step_size", a.step_size}, {"gamma", a.gamma},
          {"eta_min", a.eta_min},    {"warmup_epochs", a.warmup_epochs},
          {"momentum", a.momentum},  {"weight_decay", a.weight_decay},
          {"nesterov", a.nesterov},  {"seed", a.seed},
          {"threads", num_threads()}, {"device", a.device},
          {"method", a.method}};
}

// Keeps the first n samples (quick experiments and tests).
Dataset take_first(const Dataset& d, int64_t n) {
  if (n <= 0 || n >= d.size()) return d;
  const auto per = static_cast<size_t>(d.sample_numel());
  std::vector<uint8_t> images(d.images().begin(), d.images().begin() + static_cast<std::ptrdiff_t>(per * n));
  std::vector<int64_t> labels(d.labels().begin(), d.labels().begin() + n);
  return Dataset(d.name(), d.channels(), d.height(), d.width(), d.num_classes(), std::move(images), std::move(labels));
}

int run_train(const TrainArgs& a) {
  set_num_threads(a.threads);
  const Device device = parse_device(a.device);
  REVIVE_CHECK(device.is_cpu(), "--device " << a.device << ": this build trains on the CPU only");
  const std::string out = a.out.empty() ? default_out_dir(a) : a.out;
  ensure_writable_dir(out);  // fail before any work when the output cannot be written

  DatasetSplits splits = load_dataset(a.dataset, a.data_dir);
  splits.train = take_first(splits.train, a.limit_train);
  splits.test = take_first(splits.test, a.limit_test);
  const bool augment = a.augment == "on" || (a.augment == "auto" && a.dataset.rfind("cifar", 0) == 0);
  REVIVE_CHECK(a.augment == "on" || a.augment == "off" || a.augment == "auto",
               "--augment " << a.augment << ": expected auto, on or off");

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

  std::unique_ptr<Reactivator> reactivator = make_reactivator(a.method);

  nlohmann::json config = to_json(a);
  config["out"] = out;
  config["revive_version"] = REVIVE_VERSION;
  config["n_parameters"] = arena.params().numel();
  config["schedule_description"] = schedule.describe();
  write_file_atomically(out + "/config.json", [&](std::ostream& os) { os << config.dump(2) << "\n"; });

  std::fprintf(stderr, "revive: %s (%lld parameters) on %s: %lld train / %lld test images, %d epochs, batch %d, %s, "
                       "%d threads, method %s\nrevive: writing %s/\n",
               a.model.c_str(), static_cast<long long>(arena.params().numel()), a.dataset.c_str(),
               static_cast<long long>(splits.train.size()), static_cast<long long>(splits.test.size()), a.epochs,
               a.batch, schedule.describe().c_str(), num_threads(), a.method.c_str(), out.c_str());

  MetricsLog log(out + "/metrics.jsonl", /*truncate=*/true);
  TrainerOptions topts;
  topts.epochs = a.epochs;
  topts.progress = !a.no_progress;
  Trainer trainer(*model, arena, sgd, schedule, train_loader, test_loader, topts);
  trainer.set_metrics_log(&log);
  ReactivationContext ctx;
  ctx.total_epochs = a.epochs;
  ctx.stage_boundaries = schedule.stage_boundaries();
  trainer.set_after_eval_hook([&](int epoch, nlohmann::json& m) {
    NoGradGuard no_grad;
    ctx.epoch = epoch;
    nlohmann::json telemetry = nlohmann::json::object();
    reactivator->apply(ctx, *model, arena, telemetry);
    if (!telemetry.empty()) m["reactivation"] = telemetry;
  });

  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<nlohmann::json> lines = trainer.fit(0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  save_safetensors(out + "/model.safetensors", model->state_dict(), {{"model", a.model}, {"dataset", a.dataset}});
  double best = 0;
  for (const auto& l : lines) best = std::max(best, l["test_acc"].get<double>());
  nlohmann::json summary{{"epochs", lines.size()},
                         {"final_test_acc", lines.back()["test_acc"]},
                         {"best_test_acc", best},
                         {"total_seconds", seconds}};
  write_file_atomically(out + "/summary.json", [&](std::ostream& os) { os << summary.dump(2) << "\n"; });
  std::fprintf(stderr, "revive: done in %.1fs: final test accuracy %.2f%% (best %.2f%%); results in %s/\n", seconds,
               100 * lines.back()["test_acc"].get<double>(), 100 * best, out.c_str());
  return 0;
}

}  // namespace

Runner add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  app.add_option("--model", a->model, "resnet20|resnet32|resnet56|resnet110|mobilenetv1|mobilenetv2|"
                                      "shufflenetv1|densenet40|cnn")->capture_default_str();
  app.add_option("--width", a->width, "Width multiplier (mobilenetv2)")->capture_default_str();
  app.add_option("--dataset", a->dataset, "fashion-mnist|cifar10|cifar100|synthetic")->capture_default_str();
  app.add_option("--data-dir", a->data_dir, "Dataset folder (default for fashion-mnist: /usr/share/datasets/fashion-mnist)");
  app.add_option("--limit-train", a->limit_train, "Use only the first N training images (0 = all)")->capture_default_str();
  app.add_option("--limit-test", a->limit_test, "Use only the first N test images (0 = all)")->capture_default_str();
  app.add_option("--augment", a->augment, "Pad-and-crop + flip: auto (on for CIFAR), on, off")->capture_default_str();
  app.add_option("--epochs", a->epochs, "Training epochs")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--batch", a->batch, "Training batch size")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--eval-batch", a->eval_batch, "Evaluation batch size")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--lr", a->lr, "Initial learning rate")->capture_default_str();
  app.add_option("--schedule", a->schedule, "constant|step|multistep|cosine")->capture_default_str();
  app.add_flag("--per-iteration", a->per_iteration, "Cosine: anneal every iteration instead of every epoch");
  app.add_option("--milestones", a->milestones, "Multistep: epochs where the lr is multiplied by --gamma")->delimiter(',');
  app.add_option("--step-size", a->step_size, "Step: decay every N epochs");
  app.add_option("--gamma", a->gamma, "Step/multistep decay factor")->capture_default_str();
  app.add_option("--eta-min", a->eta_min, "Cosine: final learning rate")->capture_default_str();
  app.add_option("--warmup-epochs", a->warmup_epochs, "Linear warm-up length in epochs")->capture_default_str();
  app.add_option("--momentum", a->momentum, "SGD momentum")->capture_default_str();
  app.add_option("--wd", a->weight_decay, "Weight decay")->capture_default_str();
  app.add_flag("--nesterov", a->nesterov, "Nesterov momentum");
  app.add_option("--seed", a->seed, "Seed of initialisation, data order and augmentation")->capture_default_str();
  app.add_option("--threads", a->threads, "Worker threads (0 = all cores)")->capture_default_str();
  app.add_option("--device", a->device, "cpu")->capture_default_str();
  app.add_option("--out", a->out, "Run folder (default: runs/<model>-<dataset>-<method>-s<seed>-<time>)");
  app.add_option("--method", a->method, "Reactivation method: none")->capture_default_str();
  app.add_flag("--no-progress", a->no_progress, "No progress bar / progress lines on stderr");
  return [a] { return run_train(*a); };
}

}  // namespace revive::cli
