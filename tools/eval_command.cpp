// `revive eval`: loads weights (a revive model.safetensors, or a PyTorch state dict saved as
// safetensors with the same names) into a model and reports test loss and accuracy.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/parallel.h"
#include "core/safetensors.h"
#include "data/loader.h"
#include "data/registry.h"
#include "data/transforms.h"
#include "kernels/device_runtime.h"
#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "nn/state_dict.h"
#include "optim/trainer.h"
#include "tools/commands.h"

namespace revive::cli {
namespace {

struct EvalArgs {
  std::string model = "cnn";
  double width = 1.0;
  std::string weights;
  std::string dataset = "fashion-mnist";
  std::string data_dir;
  int batch = 500;
  int threads = 0;
  std::string device;  // empty: kernels::default_device_name()
};

int run_eval(const EvalArgs& a) {
  set_num_threads(a.threads);
  const Device device = parse_device(a.device.empty() ? kernels::default_device_name() : a.device);
  kernels::use_device(device);
  SafetensorsFile file = load_safetensors(a.weights);
  DatasetSplits splits = load_dataset(a.dataset, a.data_dir);
  nn::models::ModelOptions mopts;
  mopts.width = static_cast<float>(a.width);
  std::unique_ptr<nn::Module> model =
      nn::models::make_model(a.model, splits.test.channels(), splits.test.num_classes(), mopts);
  nn::ParameterArena arena = nn::ParameterArena::build(*model, device, 0);
  nn::load_state_dict(*model, file.tensors, a.weights);

  TransformOptions tf;
  tf.norm = normalization_for(splits.train);
  DataLoader loader(splits.test, a.batch, /*shuffle=*/false, tf, 0);
  const EvalResult r = evaluate(*model, loader);
  const nlohmann::json out{{"weights", a.weights}, {"model", a.model}, {"dataset", a.dataset},
                           {"n_samples", r.n_samples}, {"test_loss", r.loss}, {"test_acc", r.accuracy}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

Runner add_eval_command(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  app.add_option("--weights", a->weights, "A .safetensors file with the model's state dict")->required();
  app.add_option("--model", a->model, "The architecture the weights belong to")->capture_default_str();
  app.add_option("--width", a->width, "Width multiplier (mobilenetv2)")->capture_default_str();
  app.add_option("--dataset", a->dataset, "fashion-mnist|cifar10|cifar100|synthetic")->capture_default_str();
  app.add_option("--data-dir", a->data_dir, "Dataset folder");
  app.add_option("--batch", a->batch, "Batch size")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--threads", a->threads, "Worker threads (0 = all cores)")->capture_default_str();
  app.add_option("--device", a->device, "cpu, cuda or cuda:N (default: cuda when present, else cpu)");
  return [a] { return run_eval(*a); };
}

}  // namespace revive::cli
