// StateDictModel: a model read from a state dict's names and shapes (nn/state_dict_model.h). What
// counts as a conv, a BN or a linear layer; the module order (natural, or named_modules() from a
// file) and its checks; the groups given and those left unknown; the arena built over it.
#include "nn/state_dict_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "nn/models/registry.h"
#include "nn/parameter_arena.h"
#include "support/error_message.h"
#include "support/scratch_path.h"

namespace revive::nn {
namespace {

namespace fs = std::filesystem;

using Tensors = std::map<std::string, Tensor>;

void add_conv(Tensors& t, const std::string& module, Shape shape, bool bias = false) {
  const int64_t out = shape[0];
  t[module + ".weight"] = Tensor::zeros(shape);
  if (bias) t[module + ".bias"] = Tensor::zeros({out});
}

void add_bn(Tensors& t, const std::string& module, int64_t c) {
  for (const char* m : {"weight", "bias", "running_mean", "running_var"}) t[module + "." + m] = Tensor::zeros({c});
  t[module + ".num_batches_tracked"] = Tensor::zeros({}, DType::kInt64);
}

std::vector<std::string> parameter_names(const Module& m) {
  std::vector<std::string> names;
  for (const auto& [name, p] : m.named_parameters()) names.push_back(name);
  return names;
}

fs::path write_lines(const std::string& name, const std::vector<std::string>& lines) {
  const fs::path path = testing::scratch_path("state_dict_model_" + name);
  std::ofstream os(path);
  for (const auto& l : lines) os << l << "\n";
  return path;
}

TEST(StateDictModel, NaturalOrderComparesNumbersAsNumbersAndModulesBeforeTheirParts) {
  EXPECT_TRUE(natural_name_less("layer1.9", "layer1.10"));
  EXPECT_FALSE(natural_name_less("layer1.10", "layer1.9"));
  EXPECT_TRUE(natural_name_less("layer2.0", "layer10.0"));
  EXPECT_TRUE(natural_name_less("features.2.conv", "features.10"));
  EXPECT_TRUE(natural_name_less("layer1", "layer1.0"));   // a module before its submodules
  EXPECT_TRUE(natural_name_less("layer1.5", "layer1a"));  // ... and they stay together
  EXPECT_TRUE(natural_name_less("", "a"));                // the root first
  EXPECT_TRUE(natural_name_less("bn1", "conv1"));
  EXPECT_TRUE(natural_name_less("x1", "x01") != natural_name_less("x01", "x1"));  // a strict order
  EXPECT_FALSE(natural_name_less("a.b", "a.b"));
}

TEST(StateDictModel, ReadsConvBnAndLinearLayersWithBnStatisticsAndLeavesTheRestOut) {
  Tensors t;
  add_conv(t, "body.0", {8, 3, 3, 3});
  add_bn(t, "body.1", 8);
  add_conv(t, "body.3", {8, 1, 3, 3}, /*bias=*/true);
  t["norm.weight"] = Tensor::zeros({8});  // a norm without running statistics (LayerNorm-like)
  t["norm.bias"] = Tensor::zeros({8});
  t["emb.weight"] = Tensor::zeros({4, 2, 3});  // 3-D: neither conv nor linear
  t["fc.weight"] = Tensor::zeros({10, 8});
  t["fc.bias"] = Tensor::zeros({10});
  StateDictModel m(t, {});
  EXPECT_EQ(parameter_names(m), (std::vector<std::string>{"body.0.weight", "body.1.weight", "body.1.bias",
                                                          "body.3.weight", "body.3.bias", "fc.weight", "fc.bias"}));
  std::map<std::string, ParamKind> kinds;
  for (const auto& [name, p] : m.named_parameters()) kinds[name] = p->kind();
  EXPECT_EQ(kinds["body.0.weight"], ParamKind::kConvWeight);
  EXPECT_EQ(kinds["body.1.weight"], ParamKind::kBnWeight);
  EXPECT_EQ(kinds["body.1.bias"], ParamKind::kBnBias);
  EXPECT_EQ(kinds["body.3.bias"], ParamKind::kConvBias);
  EXPECT_EQ(kinds["fc.weight"], ParamKind::kLinearWeight);
  EXPECT_EQ(kinds["fc.bias"], ParamKind::kLinearBias);
  // The BN's running statistics and counter are its buffers, in PyTorch's order.
  std::vector<std::string> buffers;
  for (const auto& [name, b] : m.named_buffers()) buffers.push_back(name);
  EXPECT_EQ(buffers, (std::vector<std::string>{"body.1.running_mean", "body.1.running_var",
                                               "body.1.num_batches_tracked"}));
  EXPECT_EQ(m.named_buffers()[2].second.dtype(), DType::kInt64);
  EXPECT_EQ(m.held(t).size(), 10u);
  EXPECT_EQ(m.convs_without_groups(), (std::vector<std::string>{"body.0.weight", "body.3.weight"}));
  EXPECT_ERROR(m.forward(Tensor::zeros({1, 3, 4, 4})), "no forward pass");
}

TEST(StateDictModel, NaturalOrderPutsTenAfterNine) {
  Tensors t;
  for (int i : {10, 2, 9, 1}) add_conv(t, "features." + std::to_string(i), {4, 4, 3, 3});
  StateDictModel m(t, {});
  // std::map would give 1, 10, 2, 9.
  EXPECT_EQ(parameter_names(m), (std::vector<std::string>{"features.1.weight", "features.2.weight",
                                                          "features.9.weight", "features.10.weight"}));
}

TEST(StateDictModel, ModuleOrderFromAFileIsFollowed) {
  Tensors t;
  add_conv(t, "stem.conv", {4, 1, 3, 3});
  add_bn(t, "stem.norm", 4);
  add_conv(t, "blocks.0.conv", {4, 4, 3, 3});
  t["head.weight"] = Tensor::zeros({2, 4});
  const fs::path order = write_lines("order.txt", {"", "stem", "stem.conv", "stem.norm", "stem.act", "blocks",
                                                   "blocks.0", "blocks.0.conv", "pool", "head"});
  StateDictModelSpec spec;
  spec.module_order = read_module_order(order.string());
  StateDictModel m(t, spec);
  EXPECT_EQ(parameter_names(m), (std::vector<std::string>{"stem.conv.weight", "stem.norm.weight", "stem.norm.bias",
                                                          "blocks.0.conv.weight", "head.weight"}));
  // Without the file, the natural order puts blocks first.
  EXPECT_EQ(parameter_names(StateDictModel(t, {})).front(), "blocks.0.conv.weight");

  spec.module_order = {"stem.conv", "stem.norm", "head"};
  EXPECT_ERROR(StateDictModel(t, spec), "module 'blocks.0.conv' (of blocks.0.conv.weight) is not in the module order");
  // stem.norm after blocks.0.conv separates stem's submodules: no named_modules() order does that.
  spec.module_order = {"stem", "stem.conv", "blocks", "blocks.0", "blocks.0.conv", "stem.norm", "head"};
  EXPECT_ERROR(StateDictModel(t, spec), "named_modules() lists a module's submodules together");
  fs::remove(order);
}

TEST(StateDictModel, ModuleOrderFileErrors) {
  EXPECT_ERROR(read_module_order("/nonexistent/order.txt"), "cannot open module order file /nonexistent/order.txt");
  const fs::path twice = write_lines("twice.txt", {"", "a", "b", "a"});
  EXPECT_ERROR(read_module_order(twice.string()), "line 4: module 'a' is named a second time (first on line 2)");
  const fs::path empty = write_lines("empty.txt", {"", "  "});
  EXPECT_ERROR(read_module_order(empty.string()), "names no module");
  fs::remove(twice);
  fs::remove(empty);
}

TEST(StateDictModel, GroupsAreTakenFromTheSpecAndChecked) {
  Tensors t;
  add_conv(t, "dw", {8, 1, 3, 3});
  add_conv(t, "pw", {16, 8, 1, 1});
  add_bn(t, "bn", 16);
  StateDictModelSpec spec;
  spec.conv_groups = {{"dw", 8}};
  StateDictModel m(t, spec);
  EXPECT_EQ(m.convs_without_groups(), (std::vector<std::string>{"pw.weight"}));
  ParameterArena arena = ParameterArena::build(m, Device::cpu(), 0);
  EXPECT_EQ(arena.entry("dw.weight").groups, 8);
  EXPECT_EQ(arena.entry("pw.weight").groups, 1);

  spec.conv_groups = {{"dw", 3}};
  EXPECT_ERROR(StateDictModel(t, spec), "groups 3 of conv 'dw' must be >= 1 and divide its 8 output channels");
  spec.conv_groups = {{"bn", 1}};
  EXPECT_ERROR(StateDictModel(t, spec), "groups are given for 'bn', which is no conv (no 4-D bn.weight");
  spec.conv_groups = {{"nothing", 1}};
  EXPECT_ERROR(StateDictModel(t, spec), "'nothing', which is no conv");
}

TEST(StateDictModel, AZooModelsStateDictGivesItsArenaLayout) {
  // The same parameters in the same order as the model itself, when the names come in the
  // model's own named_modules() order: a ResNet's conv1 before bn1, layer1.0 before layer1.1.
  auto zoo = models::make_model("resnet20", 3, 10);
  ParameterArena zoo_arena = ParameterArena::build(*zoo, Device::cpu(), 0);
  Tensors t;
  for (const auto& [name, value] : zoo->state_dict()) t[name] = value;
  StateDictModelSpec spec;
  for (const auto& [name, p] : zoo->named_parameters()) {
    const std::string module = name.substr(0, name.rfind('.'));
    // Every prefix of the module, as named_modules() lists the containers too.
    for (size_t dot = module.find('.'); dot != std::string::npos; dot = module.find('.', dot + 1)) {
      const std::string parent = module.substr(0, dot);
      if (std::find(spec.module_order.begin(), spec.module_order.end(), parent) == spec.module_order.end())
        spec.module_order.push_back(parent);
    }
    if (spec.module_order.empty() || spec.module_order.back() != module) spec.module_order.push_back(module);
  }
  StateDictModel m(t, spec);
  ParameterArena arena = ParameterArena::build(m, Device::cpu(), 0);
  ASSERT_EQ(arena.entries().size(), zoo_arena.entries().size());
  for (size_t i = 0; i < arena.entries().size(); ++i) {
    const ArenaEntry &a = arena.entries()[i], &b = zoo_arena.entries()[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.offset, b.offset);
    EXPECT_EQ(a.shape, b.shape);
    EXPECT_EQ(a.kind, b.kind) << a.name;
  }
}

}  // namespace
}  // namespace revive::nn
