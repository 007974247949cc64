// Module's tree: dotted names and PyTorch state-dict order, registration checks, train/eval.
// The toy modules here run no ops, so this test needs none of nn/functional.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"
#include "nn/parameter_arena.h"
#include "nn/sequential.h"

namespace revive::nn {
namespace {

// A BN-like leaf: two parameters and one buffer; forward is the identity.
class Leaf : public Module {
 public:
  explicit Leaf(int64_t n) : Module("Leaf") {
    register_parameter("weight", {n}, ParamKind::kBnWeight, ParamInit::kOnes, 0);
    register_parameter("bias", {n}, ParamKind::kBnBias, ParamInit::kZeros, 0);
    register_buffer("running_mean", Tensor::zeros({n}));
  }

  // Exposed so tests can probe the registration checks.
  void add_parameter(const std::string& name) {
    register_parameter(name, {1}, ParamKind::kBnWeight, ParamInit::kOnes, 0);
  }

 private:
  Tensor forward_impl(const Tensor& x) override { return x; }
};

// scale (own parameter, registered between children on purpose), a, block.{0,1}.
class Tree : public Module {
 public:
  Tree() : Module("Tree") {
    a_ = register_module("a", std::make_unique<Leaf>(2));
    register_parameter("scale", {3}, ParamKind::kLinearWeight, ParamInit::kUniformFanIn, 3);
    auto block = std::make_unique<Sequential>();
    block->push_back(std::make_unique<Leaf>(4));
    block->push_back(std::make_unique<Leaf>(5));
    block_ = register_module("block", std::move(block));
  }
  Leaf* a_;
  Sequential* block_;

 private:
  Tensor forward_impl(const Tensor& x) override { return block_->forward(a_->forward(x)); }
};

std::vector<std::string> names_of(const NamedTensorList& list) {
  std::vector<std::string> out;
  for (const auto& [name, t] : list) out.push_back(name);
  return out;
}

TEST(Module, ParameterNamesAreDottedInRegistrationOrder) {
  Tree tree;
  std::vector<std::string> names;
  for (const auto& [name, p] : tree.named_parameters()) names.push_back(name);
  // A module's own parameters come before its children's, whatever the registration interleaving
  // (PyTorch's named_parameters does the same).
  EXPECT_EQ(names, (std::vector<std::string>{"scale", "a.weight", "a.bias", "block.0.weight", "block.0.bias",
                                             "block.1.weight", "block.1.bias"}));
  EXPECT_EQ(tree.n_parameters(), 3 + 2 * 2 + 2 * 4 + 2 * 5);
  EXPECT_EQ(names_of(tree.named_buffers()),
            (std::vector<std::string>{"a.running_mean", "block.0.running_mean", "block.1.running_mean"}));
  const auto children = tree.named_children();
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(children[1].first, "block");
  EXPECT_EQ(children[1].second->type_name(), "Sequential");
}

TEST(Module, StateDictInterleavesParametersAndBuffersPerModule) {
  Tree tree;
  ParameterArena arena = ParameterArena::build(tree, Device::cpu(), 1);
  const NamedTensorList state = tree.state_dict();
  EXPECT_EQ(names_of(state),
            (std::vector<std::string>{"scale", "a.weight", "a.bias", "a.running_mean", "block.0.weight",
                                      "block.0.bias", "block.0.running_mean", "block.1.weight", "block.1.bias",
                                      "block.1.running_mean"}));
  // Entries alias the module's storage.
  EXPECT_EQ(state[1].second.raw_data(), tree.a_->named_parameters()[0].second->value().raw_data());
  EXPECT_EQ(state[3].second.shape(), (Shape{2}));
}

TEST(Module, StateDictNeedsAnArena) {
  Tree tree;
  try {
    tree.state_dict();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ParameterArena"), std::string::npos) << e.what();
  }
}

TEST(Module, RejectsDuplicateEmptyAndDottedNames) {
  Leaf leaf(2);
  EXPECT_THROW(leaf.add_parameter("weight"), Error);
  EXPECT_THROW(leaf.add_parameter("running_mean"), Error);
  EXPECT_THROW(leaf.add_parameter(""), Error);
  EXPECT_THROW(leaf.add_parameter("a.b"), Error);
  leaf.add_parameter("extra");
  EXPECT_EQ(leaf.named_parameters().back().first, "extra");
}

TEST(Module, TrainAndEvalPropagateToEveryDescendant) {
  Tree tree;
  EXPECT_TRUE(tree.is_training());
  tree.eval();
  EXPECT_FALSE(tree.is_training());
  EXPECT_FALSE(tree.a_->is_training());
  EXPECT_FALSE((*tree.block_)[1]->is_training());
  // A child added to a module in eval mode joins it in eval mode.
  tree.block_->push_back(std::make_unique<Leaf>(1));
  EXPECT_FALSE((*tree.block_)[2]->is_training());
  tree.train();
  EXPECT_TRUE((*tree.block_)[2]->is_training());
  EXPECT_TRUE(tree.a_->is_training());
}

TEST(Module, ForwardValidatesTheInput) {
  Tree tree;
  EXPECT_THROW(tree.forward(Tensor()), Error);
  EXPECT_THROW(tree.forward(Tensor::zeros({2}, DType::kInt64)), Error);
  const Tensor x = Tensor::full({2}, 3.0f);
  EXPECT_TRUE(tree.forward(x).same(x));
}

TEST(Module, EmptySequentialIsTheIdentity) {
  Sequential seq;
  const Tensor x = Tensor::full({3}, 1.0f);
  EXPECT_TRUE(seq.forward(x).same(x));
  EXPECT_EQ(seq.size(), 0u);
  EXPECT_THROW(seq[0], Error);
}

TEST(Module, ToMovesBuffersAndRefusesArenaParametersElsewhere) {
  Tree tree;
  tree.to(Device::cpu());
  ParameterArena arena = ParameterArena::build(tree, Device::cpu(), 1);
  tree.to(Device::cpu());
  EXPECT_EQ(tree.named_buffers()[0].second.device(), Device::cpu());
  // Parameters move with their arena; Module::to says so instead of splitting the arena.
  try {
    tree.to(Device::cuda());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ParameterArena::to"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace revive::nn
