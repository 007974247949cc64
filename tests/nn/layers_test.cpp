// The layers: what they register (names, shapes, kinds, initialisers), that forward wires the right
// op with the right configuration, and that they reject inputs of the wrong shape. The ops
// themselves are tested in tests/nn/functional and tests/kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "kernels/conv2d.h"
#include "kernels/layout.h"
#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/global_avg_pool.h"
#include "nn/linear.h"
#include "nn/parameter_arena.h"
#include "nn/pool2d.h"
#include "nn/relu.h"
#include "nn/relu6.h"
#include "nn/sequential.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive::nn {
namespace {

using revive::testing::random_tensor;

std::vector<std::string> parameter_names(const Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, p] : m.named_parameters()) out.push_back(name);
  return out;
}

TEST(Conv2dLayer, RegistersPyTorchShapedParameters) {
  Conv2d conv(8, 12, 3, 2, 1, 4, true);
  EXPECT_EQ(parameter_names(conv), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(conv.weight()->shape(), (Shape{12, 2, 3, 3}));
  EXPECT_EQ(conv.weight()->kind(), ParamKind::kConvWeight);
  EXPECT_EQ(conv.weight()->groups(), 4);
  EXPECT_EQ(conv.weight()->fan_in(), 2 * 3 * 3);
  EXPECT_EQ(conv.bias()->shape(), (Shape{12}));
  EXPECT_EQ(conv.bias()->fan_in(), 18);
  EXPECT_FLOAT_EQ(conv.bias()->init_bound(), 1.0f / std::sqrt(18.0f));
  Conv2d no_bias(3, 16, 3, 1, 1, 1, false);
  EXPECT_EQ(no_bias.bias(), nullptr);
  EXPECT_EQ(no_bias.n_parameters(), 16 * 3 * 9);
  EXPECT_THROW(Conv2d(6, 8, 3, 1, 1, 4, false), Error);  // groups must divide both
  EXPECT_THROW(Conv2d(6, 8, 0), Error);
}

TEST(Conv2dLayer, ForwardMatchesTheReferenceConvolution) {
  Conv2d conv(4, 6, 3, 2, 1, 2, true);
  ParameterArena arena = ParameterArena::build(conv, Device::cpu(), 3);
  const Tensor x = random_tensor({2, 4, 7, 7}, 1);
  const Tensor y = conv.forward(x);
  ASSERT_EQ(y.shape(), (Shape{2, 6, 4, 4}));
  const kernels::Conv2dShape s = kernels::conv2d_shape(x.shape(), conv.weight()->shape(), conv.params());
  Tensor ref = Tensor::zeros(y.shape());
  kernels::conv2d_forward_ref<float>(ref.data<float>(), x.data<float>(), conv.weight()->value().data<float>(),
                                     conv.bias()->value().data<float>(), s, conv.params());
  EXPECT_ALLCLOSE(ref, y, 1e-4, 1e-4);
  try {
    conv.forward(random_tensor({2, 3, 7, 7}, 2));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Conv2d(4 -> 6)"), std::string::npos) << e.what();
  }
}

TEST(BatchNorm2dLayer, RegistersParametersAndPyTorchBuffers) {
  BatchNorm2d bn(5);
  EXPECT_EQ(parameter_names(bn), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(bn.weight()->kind(), ParamKind::kBnWeight);
  EXPECT_EQ(bn.bias()->kind(), ParamKind::kBnBias);
  const NamedTensorList buffers = bn.named_buffers();
  ASSERT_EQ(buffers.size(), 3u);
  EXPECT_EQ(buffers[0].first, "running_mean");
  EXPECT_EQ(buffers[0].second.to_vector<float>(), std::vector<float>(5, 0.0f));
  EXPECT_EQ(buffers[1].first, "running_var");
  EXPECT_EQ(buffers[1].second.to_vector<float>(), std::vector<float>(5, 1.0f));
  EXPECT_EQ(buffers[2].first, "num_batches_tracked");
  EXPECT_EQ(buffers[2].second.dtype(), DType::kInt64);
  EXPECT_EQ(buffers[2].second.shape(), (Shape{}));
  EXPECT_EQ(bn.num_batches_tracked(), 0);
  EXPECT_THROW(BatchNorm2d(0), Error);
}

TEST(BatchNorm2dLayer, TrainingUpdatesRunningStatisticsAndEvalUsesThem) {
  BatchNorm2d bn(3);
  ParameterArena arena = ParameterArena::build(bn, Device::cpu(), 1);
  // Channel c holds the constant c + 1 shifted by +-1: batch mean c + 1, biased variance 1.
  Tensor x = Tensor::empty({2, 3, 1, 2});
  float* p = x.data<float>();
  for (int n = 0; n < 2; ++n) {
    for (int c = 0; c < 3; ++c) {
      p[(n * 3 + c) * 2 + 0] = static_cast<float>(c + 1) + 1.0f;
      p[(n * 3 + c) * 2 + 1] = static_cast<float>(c + 1) - 1.0f;
    }
  }
  const Tensor y = kernels::to_plain(bn.forward(x));
  EXPECT_EQ(bn.num_batches_tracked(), 1);
  // Normalised: +-1 / sqrt(1 + eps).
  EXPECT_NEAR(y.to_vector<float>()[0], 1.0f / std::sqrt(1.0f + 1e-5f), 1e-5);
  const std::vector<float> mean = bn.running_mean().to_vector<float>();
  const std::vector<float> var = bn.running_var().to_vector<float>();
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(mean[c], 0.1f * (c + 1), 1e-6);
    EXPECT_NEAR(var[c], 0.9f + 0.1f * 4.0f / 3.0f, 1e-6);  // unbiased variance 4/3
  }
  bn.eval();
  const Tensor y_eval = kernels::to_plain(bn.forward(x));
  EXPECT_EQ(bn.num_batches_tracked(), 1);
  EXPECT_EQ(bn.running_mean().to_vector<float>(), mean);
  EXPECT_NEAR(y_eval.to_vector<float>()[0], (2.0f - mean[0]) / std::sqrt(var[0] + 1e-5f), 1e-5);
  EXPECT_THROW(bn.forward(random_tensor({2, 4, 1, 2}, 1)), Error);
}

TEST(LinearLayer, ComputesXWTransposePlusB) {
  Linear fc(3, 2);
  EXPECT_EQ(parameter_names(fc), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(fc.weight()->kind(), ParamKind::kLinearWeight);
  EXPECT_EQ(fc.bias()->kind(), ParamKind::kLinearBias);
  EXPECT_FLOAT_EQ(fc.weight()->init_bound(), 1.0f / std::sqrt(3.0f));
  ParameterArena arena = ParameterArena::build(fc, Device::cpu(), 1);
  const std::vector<float> w = fc.weight()->value().to_vector<float>(), b = fc.bias()->value().to_vector<float>();
  const Tensor x = Tensor::from_vector<float>({1, 2, 3, -1, 0, 4}, {2, 3});
  const std::vector<float> xv = x.to_vector<float>();
  std::vector<float> ref(4);
  for (int n = 0; n < 2; ++n) {
    for (int o = 0; o < 2; ++o) {
      ref[n * 2 + o] = b[o];
      for (int i = 0; i < 3; ++i) ref[n * 2 + o] += xv[n * 3 + i] * w[o * 3 + i];
    }
  }
  EXPECT_ALLCLOSE(ref, fc.forward(x).to_vector<float>(), 1e-5, 1e-5);
  EXPECT_THROW(fc.forward(Tensor::zeros({2, 4})), Error);
  EXPECT_EQ(Linear(3, 2, false).n_parameters(), 6);
}

TEST(ActivationLayers, ClampAsExpected) {
  const Tensor x = Tensor::from_vector<float>({-2, 0.5f, 7}, {3});
  EXPECT_EQ(ReLU().forward(x).to_vector<float>(), (std::vector<float>{0, 0.5f, 7}));
  EXPECT_EQ(ReLU6().forward(x).to_vector<float>(), (std::vector<float>{0, 0.5f, 6}));
}

TEST(PoolLayers, WindowDefaultsAndValues) {
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[i] = static_cast<float>(i);
  const Tensor x = Tensor::from_vector(v, {1, 1, 4, 4});
  MaxPool2d max_pool(2);
  EXPECT_EQ(max_pool.params().stride, 2);  // stride defaults to the kernel
  EXPECT_EQ(kernels::to_plain(max_pool.forward(x)).to_vector<float>(), (std::vector<float>{5, 7, 13, 15}));
  AvgPool2d avg_pool(2);
  EXPECT_EQ(kernels::to_plain(avg_pool.forward(x)).to_vector<float>(), (std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f}));
  // 3x3/2 with padding 1 counts the padding (count_include_pad): corner = (0 + 1 + 4 + 5) / 9.
  AvgPool2d padded(3, 2, 1);
  const Tensor y = kernels::to_plain(padded.forward(x));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_FLOAT_EQ(y.to_vector<float>()[0], 10.0f / 9.0f);
  EXPECT_EQ(padded.type_name(), "AvgPool2d");
  EXPECT_THROW(MaxPool2d(2, 2, 2), Error);  // padding above kernel / 2
  EXPECT_THROW(max_pool.forward(Tensor::zeros({1, 1, 1, 1})), Error);
}

TEST(GlobalAvgPoolLayer, AveragesEachPlaneIntoAFlatVector) {
  std::vector<float> v(2 * 3 * 2 * 2);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  const Tensor y = GlobalAvgPool().forward(Tensor::from_vector(v, {2, 3, 2, 2}));
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f}));
  EXPECT_THROW(GlobalAvgPool().forward(Tensor::zeros({2, 3})), Error);
}

TEST(SequentialLayer, NamesChildrenByIndexAndChainsThem) {
  Sequential seq;
  auto* conv = seq.push_back(std::make_unique<Conv2d>(2, 4, 3, 1, 1, 1, false));
  seq.push_back(std::make_unique<BatchNorm2d>(4));
  seq.push_back(std::make_unique<ReLU>());
  EXPECT_EQ(seq.size(), 3u);
  EXPECT_EQ(seq[0], conv);
  EXPECT_EQ(parameter_names(seq), (std::vector<std::string>{"0.weight", "1.weight", "1.bias"}));
  ParameterArena arena = ParameterArena::build(seq, Device::cpu(), 1);
  const Tensor y = kernels::to_plain(seq.forward(random_tensor({2, 2, 5, 5}, 4)));
  EXPECT_EQ(y.shape(), (Shape{2, 4, 5, 5}));
  for (float v : y.to_vector<float>()) ASSERT_GE(v, 0.0f);
}

}  // namespace
}  // namespace revive::nn
