// The zoo's names, apart from the models themselves, so that code which only checks a name (the
// run options, and their fuzz target) needs none of the layers.
#include "nn/models/registry.h"

namespace revive::nn::models {

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names{"resnet20",     "resnet32",    "resnet56",
                                              "resnet110",    "mobilenetv1", "mobilenetv2",
                                              "shufflenetv1", "densenet40",  "cnn"};
  return names;
}

}  // namespace revive::nn::models
