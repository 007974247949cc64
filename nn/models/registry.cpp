#include "nn/models/registry.h"

#include <functional>
#include <sstream>
#include <utility>

#include "nn/models/densenet.h"
#include "nn/models/mobilenet_v1.h"
#include "nn/models/mobilenet_v2.h"
#include "nn/models/resnet_cifar.h"
#include "nn/models/shufflenet_v1.h"
#include "nn/models/small_cnn.h"

namespace revive::nn::models {
namespace {

using Factory = std::function<std::unique_ptr<Module>(int64_t in_channels, int64_t num_classes,
                                                      const ModelOptions& options)>;

std::unique_ptr<Module> resnet(int depth, int64_t in_channels, int64_t num_classes) {
  return std::make_unique<ResNetCifar>(depth, in_channels, num_classes);
}

// In model_names() order (nn/models/names.cpp; the registry test checks the two agree).
const std::vector<std::pair<std::string, Factory>>& factories() {
  static const std::vector<std::pair<std::string, Factory>> table = {
      {"resnet20", [](int64_t c, int64_t k, const ModelOptions&) { return resnet(20, c, k); }},
      {"resnet32", [](int64_t c, int64_t k, const ModelOptions&) { return resnet(32, c, k); }},
      {"resnet56", [](int64_t c, int64_t k, const ModelOptions&) { return resnet(56, c, k); }},
      {"resnet110", [](int64_t c, int64_t k, const ModelOptions&) { return resnet(110, c, k); }},
      {"mobilenetv1",
       [](int64_t c, int64_t k, const ModelOptions&) -> std::unique_ptr<Module> {
         return std::make_unique<MobileNetV1>(c, k);
       }},
      {"mobilenetv2",
       [](int64_t c, int64_t k, const ModelOptions& o) -> std::unique_ptr<Module> {
         MobileNetV2::Options v2;
         v2.width = o.width;
         v2.relu6 = o.relu6;
         return std::make_unique<MobileNetV2>(c, k, v2);
       }},
      {"shufflenetv1",
       [](int64_t c, int64_t k, const ModelOptions&) -> std::unique_ptr<Module> {
         return std::make_unique<ShuffleNetV1>(c, k);
       }},
      {"densenet40",
       [](int64_t c, int64_t k, const ModelOptions&) -> std::unique_ptr<Module> {
         return std::make_unique<DenseNet>(40, 12, c, k);
       }},
      {"cnn",
       [](int64_t c, int64_t k, const ModelOptions&) -> std::unique_ptr<Module> {
         return std::make_unique<SmallCnn>(c, k);
       }},
  };
  return table;
}

std::string joined_names() {
  std::ostringstream os;
  for (const std::string& n : model_names()) os << (os.tellp() > 0 ? ", " : "") << n;
  return os.str();
}

}  // namespace


std::unique_ptr<Module> make_model(const std::string& name, int64_t in_channels, int64_t num_classes,
                                   const ModelOptions& options) {
  const ModelOptions defaults;
  const bool custom = options.width != defaults.width || options.relu6 != defaults.relu6;
  for (const auto& [model, factory] : factories()) {
    if (model != name) continue;
    REVIVE_CHECK(!custom || name == "mobilenetv2",
                 "model '" << name << "' takes no options; width and relu6 apply to mobilenetv2 only");
    return factory(in_channels, num_classes, options);
  }
  REVIVE_THROW("unknown model '" << name << "'; valid names: " << joined_names());
}

}  // namespace revive::nn::models
