#include "nn/models/small_cnn.h"

#include <memory>
#include <string>

#include "nn/functional.h"

namespace revive::nn::models {

SmallCnn::SmallCnn(int64_t in_channels, int64_t num_classes) : Module("SmallCnn") {
  REVIVE_CHECK(in_channels > 0 && num_classes > 0,
               "SmallCnn: expected positive in_channels and num_classes, got " << in_channels << " and "
                                                                               << num_classes);
  const int64_t planes[3] = {32, 64, 128};
  int64_t in_planes = in_channels;
  for (int i = 0; i < 3; ++i) {
    const std::string index = std::to_string(i + 1);
    conv_[i] = register_module("conv" + index, std::make_unique<Conv2d>(in_planes, planes[i], 3, 1, 1, 1, false));
    bn_[i] = register_module("bn" + index, std::make_unique<BatchNorm2d>(planes[i]));
    in_planes = planes[i];
  }
  pool_ = register_module("pool", std::make_unique<MaxPool2d>(2));
  linear_ = register_module("linear", std::make_unique<Linear>(in_planes, num_classes));
}

Tensor SmallCnn::forward_impl(const Tensor& x) {
  Tensor out = x;
  for (int i = 0; i < 3; ++i) {
    out = bn_[i]->forward(conv_[i]->forward(out), kernels::BnActivation::kRelu);
    if (i < 2) out = pool_->forward(out);
  }
  return linear_->forward(F::global_avg_pool(out));
}

}  // namespace revive::nn::models
