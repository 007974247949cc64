// Checks shared by the model tests: state-dict names and shapes, parameter counts, forward shapes.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "nn/module.h"
#include "nn/parameter_arena.h"

namespace revive::nn::testing {

// The model's state dict as (name, shape) pairs, after building an arena over it.
inline std::vector<std::pair<std::string, Shape>> state_dict_shapes(Module& model) {
  ParameterArena arena = ParameterArena::build(model, Device::cpu(), 0);
  std::vector<std::pair<std::string, Shape>> out;
  for (const auto& [name, t] : model.state_dict()) out.emplace_back(name, t.shape());
  return out;
}

// Looks `name` up in a state dict; fails the test when it is missing.
inline Shape shape_of(const std::vector<std::pair<std::string, Shape>>& state, const std::string& name) {
  for (const auto& [n, s] : state) {
    if (n == name) return s;
  }
  ADD_FAILURE() << "state dict has no entry '" << name << "'";
  return {};
}

inline std::vector<std::string> names_of(const std::vector<std::pair<std::string, Shape>>& state) {
  std::vector<std::string> out;
  for (const auto& entry : state) out.push_back(entry.first);
  return out;
}

// Seeded N(0, 1) input.
inline Tensor random_input(const Shape& shape, uint64_t seed) {
  Tensor x = Tensor::empty(shape);
  Rng rng(seed);
  float* p = x.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) p[i] = rng.normal();
  return x;
}

// Builds an arena, runs the model in training and in eval mode on a batch of 2, and checks the
// logits' shape and finiteness.
inline void expect_logits_shape(Module& model, const Shape& input, int64_t num_classes) {
  ParameterArena arena = ParameterArena::build(model, Device::cpu(), 5);
  const Tensor x = random_input(input, 11);
  for (bool training : {true, false}) {
    model.train(training);
    const Tensor y = model.forward(x);
    ASSERT_EQ(y.shape(), (Shape{input[0], num_classes})) << "training " << training;
    ASSERT_TRUE(y.is_plain());
    for (float v : y.to_vector<float>()) ASSERT_TRUE(std::isfinite(v)) << "training " << training;
  }
}

// n_parameters() of make(channels, classes) (a std::unique_ptr to a model) against `count`, the
// PyTorch definition's count for 3 channels and 10 classes: one input channel instead of 3 drops 2
// x `per_input_channel` weights of the first convolution, and 100 classes instead of 10 add 90
// classifier rows of `features` weights and a bias.
template <class Make>
void expect_parameter_counts(Make make, int64_t count, int64_t per_input_channel, int64_t features) {
  EXPECT_EQ(make(3, 10)->n_parameters(), count);
  EXPECT_EQ(make(1, 10)->n_parameters(), count - 2 * per_input_channel);
  EXPECT_EQ(make(3, 100)->n_parameters(), count + 90 * (features + 1));
}

// expect_logits_shape for make(1, 10) on gray 28x28 images and make(3, 10) on color 32x32 ones,
// the two datasets' shapes.
template <class Make>
void expect_gray_and_color_logits(Make make) {
  auto gray = make(1, 10);
  expect_logits_shape(*gray, {2, 1, 28, 28}, 10);
  auto color = make(3, 10);
  expect_logits_shape(*color, {2, 3, 32, 32}, 10);
}

}  // namespace revive::nn::testing
