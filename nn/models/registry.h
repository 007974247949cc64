// Models by name, for the CLI and configuration files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"

namespace revive::nn::models {

struct ModelOptions {
  float width = 1.0f;  // mobilenetv2 only (see MobileNetV2::Options)
  bool relu6 = false;  // mobilenetv2 only
};

// resnet20, resnet32, resnet56, resnet110, mobilenetv1, mobilenetv2, shufflenetv1, densenet40, cnn.
const std::vector<std::string>& model_names();

// Builds the named model (parameters not yet allocated: build a ParameterArena over it). Throws
// revive::Error listing the valid names for an unknown one, and for options the model does not take.
std::unique_ptr<Module> make_model(const std::string& name, int64_t in_channels, int64_t num_classes,
                                   const ModelOptions& options = {});

}  // namespace revive::nn::models
