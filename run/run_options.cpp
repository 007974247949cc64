// The run's option table (run/run_config.h). It names models and datasets but needs neither, nor
// the methods, so that config.json's reader can be fuzzed on its own (fuzz/run_config_fuzz.cpp).
#include "data/registry.h"
#include "nn/models/registry.h"
#include "run/run_config.h"

namespace revive {
namespace {

OptionTable<RunConfig> make_table() {
  using C = RunConfig;
  OptionTable<C> t;
  t.start_group("Model and data");
  t.add(&C::model, "model", "--model", "Architecture").one_of(nn::models::model_names());
  t.add(&C::width, "width", "--width", "Width multiplier (mobilenetv2)").above(0).at_most(4);
  t.add(&C::dataset, "dataset", "--dataset", "Dataset").one_of(dataset_names());
  t.add(&C::data_dir, "data_dir", "--data-dir",
        "Dataset folder (default for fashion-mnist: /usr/share/datasets/fashion-mnist)");
  t.add(&C::limit_train, "limit_train", "--limit-train", "Use only the first N training images (0: all)").at_least(0);
  t.add(&C::limit_test, "limit_test", "--limit-test", "Use only the first N test images (0: all)").at_least(0);
  t.add(&C::augment, "augment", "--augment", "Pad-and-crop + flip: auto (on for CIFAR), on, off")
      .one_of({"auto", "on", "off"});

  t.start_group("Training");
  t.add(&C::epochs, "epochs", "--epochs", "Training epochs").in_range(1, 100000);
  t.add(&C::batch, "batch", "--batch", "Training batch size").in_range(1, 1 << 20);
  t.add(&C::eval_batch, "eval_batch", "--eval-batch", "Evaluation batch size").in_range(1, 1 << 20);
  t.add(&C::momentum, "momentum", "--momentum", "SGD momentum").in_range(0, 1);
  t.add(&C::weight_decay, "weight_decay", "--wd", "Weight decay").at_least(0);
  t.add(&C::nesterov, "nesterov", "--nesterov", "Nesterov momentum");
  t.add(&C::seed, "seed", "--seed", "Seed of initialisation, data order and augmentation");
  t.add(&C::models, "models", "--models",
        "Networks trained side by side, each with its own seed (methods that graft between networks)")
      .in_range(1, 64);

  t.start_group("Learning rate");
  t.add(&C::lr, "lr", "--lr", "Initial learning rate").at_least(0);
  t.add(&C::schedule, "schedule", "--schedule", "Schedule").one_of({"constant", "step", "multistep", "cosine"});
  t.add(&C::per_iteration, "per_iteration", "--per-iteration",
        "Cosine: anneal every iteration (default) or, with --per-epoch, once per epoch")
      .negated_by("--per-epoch");
  t.add(&C::milestones, "milestones", "--milestones", "Multistep: epochs where the lr is multiplied by --gamma")
      .at_least(1);
  t.add(&C::step_size, "step_size", "--step-size", "Step: decay every N epochs (0: unset)").at_least(0);
  t.add(&C::gamma, "gamma", "--gamma", "Step/multistep decay factor").above(0).at_most(1);
  t.add(&C::eta_min, "eta_min", "--eta-min", "Cosine: final learning rate").at_least(0);
  t.add(&C::warmup_epochs, "warmup_epochs", "--warmup-epochs", "Linear warm-up length in epochs").at_least(0);

  t.start_group("Where it runs");
  t.add(&C::threads, "threads", "--threads", "Worker threads (0: all cores)").in_range(0, 4096);
  t.add(&C::device, "device", "--device",
        "cpu, cuda or cuda:N (default: cuda when this build has CUDA and a GPU is present, else cpu)");
  t.add(&C::conv_routes, "conv_routes", "--conv-routes",
        "CPU convolutions: auto (the fastest route of each layer, measured once per shape and cached), direct "
        "(no Winograd) or winograd (revive's Winograd tiles wherever they apply)")
      .one_of({"auto", "direct", "winograd"})
      .added_later("auto");

  t.start_group("Reactivation");
  // The registered methods (reactivation/registry.h) are the valid values: run_option_decls().
  t.add(&C::method, "method", "--method", "Reactivation method");

  t.start_group("Run folder");
  t.add(&C::checkpoint_every, "checkpoint_every", "--checkpoint-every",
        "Write a checkpoint every N epochs (0: only at the end and when interrupted)")
      .at_least(0);
  t.add(&C::keep_last, "keep_last", "--keep-last", "Checkpoints to keep").in_range(1, 1000000);
  return t;
}

}  // namespace

const OptionTable<RunConfig>& run_options() {
  static const OptionTable<RunConfig> t = make_table();
  return t;
}

}  // namespace revive
