#include "run/run_builder.h"

#include "core/parallel.h"
#include "core/rng.h"
#include "core/runtime_options.h"
#include "data/registry.h"
#include "data/transforms.h"
#include "kernels/cpu/conv_route_table.h"
#include "kernels/device_runtime.h"
#include "nn/models/registry.h"
#include "reactivation/registry.h"

namespace revive {
namespace {

constexpr uint64_t kNetworkStream = uint64_t{0x4E4554} << 32;  // "NET": the streams of network seeds

std::unique_ptr<nn::Module> make_network_model(const RunConfig& c, int64_t in_channels, int64_t classes) {
  nn::models::ModelOptions mo;
  mo.width = static_cast<float>(c.width);
  return nn::models::make_model(c.model, in_channels, classes, mo);
}

}  // namespace

uint64_t network_seed(uint64_t run_seed, int k) {
  if (k == 0) return run_seed;
  Rng rng(run_seed, kNetworkStream | static_cast<uint64_t>(k));
  const uint64_t hi = rng.next_u32();
  return (hi << 32) | rng.next_u32();
}

Dataset take_first(const Dataset& d, int64_t n) {
  if (n <= 0 || n >= d.size()) return d;
  const auto per = static_cast<size_t>(d.sample_numel());
  std::vector<uint8_t> images(d.images().begin(), d.images().begin() + static_cast<std::ptrdiff_t>(per * n));
  std::vector<int64_t> labels(d.labels().begin(), d.labels().begin() + n);
  return Dataset(d.name(), d.channels(), d.height(), d.width(), d.num_classes(), std::move(images), std::move(labels));
}

std::unique_ptr<RunParts> build_run(const RunConfig& config, const RunBuildOptions& options) {
  validate_run_config(config);
  auto run = std::make_unique<RunParts>();
  run->config = config;
  RunConfig& c = run->config;
  set_num_threads(c.threads);
  // The environment's REVIVE_NO_WINOGRAD=1 stands for --conv-routes direct where the run leaves
  // the choice to measuring; config.json records the mode used.
  if (c.conv_routes == "auto" && runtime_options().no_winograd) c.conv_routes = "direct";
  const auto route_mode = kernels::cpu::mode_named(c.conv_routes);
  REVIVE_CHECK(route_mode, "--conv-routes " << c.conv_routes << ": must be auto, direct or winograd");
  kernels::cpu::set_conv_route_mode(*route_mode);
  run->device = parse_device(c.device.empty() ? kernels::default_device_name() : c.device);
  kernels::use_device(run->device);  // a clear error when CUDA is asked for and absent
  c.device = run->device.str();

  int64_t in_channels = options.in_channels, classes = options.num_classes;
  TransformOptions train_tf, test_tf;
  if (options.data) {
    run->data = options.data_override ? *options.data_override : load_dataset(c.dataset, c.data_dir);
    run->data.train = take_first(run->data.train, c.limit_train);
    run->data.test = take_first(run->data.test, c.limit_test);
    in_channels = run->data.train.channels();
    classes = run->data.train.num_classes();
    train_tf.norm = normalization_for(run->data.train);
    if (c.augment == "on" || (c.augment == "auto" && c.dataset.rfind("cifar", 0) == 0)) {
      train_tf.pad = 4;
      train_tf.flip = true;
    }
    test_tf.norm = train_tf.norm;
    run->test = std::make_unique<DataLoader>(run->data.test, c.eval_batch, /*shuffle=*/false, test_tf, c.seed);
  }

  const MethodSpec& method = find_method(c.method);
  for (int k = 0; k < c.models; ++k) {
    RunNetwork n;
    n.seed = network_seed(c.seed, k);
    n.initial_lr = method.initial_lr ? method.initial_lr(c.method_options, c.lr, k, c.models) : c.lr;
    n.model = make_network_model(c, in_channels, classes);
    n.arena = std::make_unique<nn::ParameterArena>(nn::ParameterArena::build(*n.model, run->device, n.seed));
    if (options.training) {
      optim::SgdOptions so;
      so.lr = n.initial_lr;
      so.momentum = c.momentum;
      so.weight_decay = c.weight_decay;
      so.nesterov = c.nesterov;
      n.sgd = std::make_unique<optim::SgdOptimizer>(so, n.arena->params());
      n.schedule = std::make_unique<optim::LrSchedule>(make_run_schedule(c, n.initial_lr));
      if (options.data) {
        n.train = std::make_unique<DataLoader>(run->data.train, c.batch, /*shuffle=*/true, train_tf, n.seed);
      }
    }
    run->networks.push_back(std::move(n));
  }
  if (options.training) run->reactivator = method.make(c.method_options);
  return run;
}

ReactivationContext RunParts::reactivation_context() const {
  ReactivationContext ctx;
  ctx.total_epochs = config.epochs;
  ctx.seed = config.seed;
  const RunNetwork& first = networks.front();
  if (first.schedule) {
    ctx.stage_boundaries = first.schedule->stage_boundaries();
    const int iters = first.train ? static_cast<int>(first.train->batches_per_epoch()) : 1;
    for (int e = 0; e <= config.epochs; ++e) ctx.epoch_lr.push_back(first.schedule->lr_at(e, 0, iters));
  }
  return ctx;
}

std::vector<ModelRef> RunParts::model_refs() {
  std::vector<ModelRef> refs;
  for (RunNetwork& n : networks) refs.push_back({n.model.get(), n.arena.get()});
  return refs;
}

std::vector<TrainNetwork> RunParts::train_networks() {
  std::vector<TrainNetwork> nets;
  for (RunNetwork& n : networks) {
    REVIVE_CHECK(n.sgd && n.train, "this run was built without its training parts");
    nets.push_back({n.model.get(), n.arena.get(), n.sgd.get(), n.schedule.get(), n.train.get()});
  }
  return nets;
}

std::vector<CheckpointNetwork> RunParts::checkpoint_networks() {
  std::vector<CheckpointNetwork> nets;
  for (RunNetwork& n : networks) {
    REVIVE_CHECK(n.sgd, "this run was built without its training parts");
    nets.push_back({n.model.get(), n.arena.get(), n.sgd.get()});
  }
  return nets;
}

}  // namespace revive
