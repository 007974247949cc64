// FG's graft groups (§2.3) on the state dicts of ResNet-20 and MobileNetV2 and on VGG-style
// names without "conv": which tensors follow which conv weight, the int64 counters, the arena
// segments each scope blends, and the BN links of filter-level grafting.
#include <gtest/gtest.h>

#include <map>

#include "reactivation/fg/fg_layout.h"
#include "support/error_message.h"
#include "support/fg_nets.h"

namespace revive {
namespace {

using testing::make_fg_nets;

std::map<std::string, const FgTensor*> by_name(const FgLayout& L) {
  std::map<std::string, const FgTensor*> m;
  for (const FgTensor& t : L.tensors()) m[t.name] = &t;
  return m;
}

std::string group_conv(const FgLayout& L, int group) {
  return group < 0 ? "none" : L.tensors()[static_cast<size_t>(L.groups()[static_cast<size_t>(group)].conv)].name;
}

int64_t segment_elements(const FgLayout& L) {
  int64_t n = 0;
  for (const FgSegment& s : L.segments()) n += s.end - s.begin;
  return n;
}

TEST(FgLayout, ResNet20GroupsEachConvWithItsBnAndTheClassifierWithTheLastConv) {
  auto nets = make_fg_nets("resnet20", 1, 1);
  const FgLayout L = fg_layout(*nets[0].model, *nets[0].arena, FgScope::kReference);
  ASSERT_EQ(L.n_groups(), 19);
  const auto t = by_name(L);
  EXPECT_EQ(group_conv(L, t.at("bn1.weight")->group), "conv1.weight");
  EXPECT_EQ(group_conv(L, t.at("bn1.running_mean")->group), "conv1.weight");
  EXPECT_EQ(t.at("bn1.num_batches_tracked")->role, FgRole::kCounter);
  EXPECT_EQ(t.at("bn1.num_batches_tracked")->dtype, DType::kInt64);
  EXPECT_EQ(group_conv(L, t.at("bn1.num_batches_tracked")->group), "conv1.weight");
  EXPECT_EQ(group_conv(L, t.at("layer1.0.bn2.running_var")->group), "layer1.0.conv2.weight");
  EXPECT_EQ(t.at("layer1.0.bn2.running_var")->role, FgRole::kBnRunningVar);
  EXPECT_EQ(group_conv(L, t.at("layer2.0.bn1.bias")->group), "layer2.0.conv1.weight");
  EXPECT_EQ(group_conv(L, t.at("linear.weight")->group), "layer3.2.conv2.weight");
  EXPECT_EQ(group_conv(L, t.at("linear.bias")->group), "layer3.2.conv2.weight");
  // Every parameter is blended: one segment per group (conv, BN affine; the classifier in the last).
  EXPECT_EQ(L.segments().size(), 19u);
  EXPECT_EQ(segment_elements(L), nets[0].arena->n_elements());
  EXPECT_EQ(L.buffers().size(), 19u * 3u);
  EXPECT_EQ(L.n_filters(), 16 + 6 * 16 + 6 * 32 + 6 * 64);
  // Filter-level links: each conv's own BN; the input BN where the channels match.
  const FgGroup& first = L.groups()[0];
  EXPECT_EQ(first.input_bn, -1);
  EXPECT_EQ(L.tensors()[static_cast<size_t>(L.bns()[static_cast<size_t>(first.own_bn)].weight)].name, "bn1.weight");
  const FgGroup& down = L.groups()[static_cast<size_t>(t.at("layer2.0.conv1.weight")->group)];
  EXPECT_EQ(L.tensors()[static_cast<size_t>(L.bns()[static_cast<size_t>(down.input_bn)].weight)].name,
            "layer1.2.bn2.weight");
  EXPECT_EQ(L.tensors()[static_cast<size_t>(L.bns()[static_cast<size_t>(down.own_bn)].weight)].name,
            "layer2.0.bn1.weight");
}

TEST(FgLayout, ConvOnlyScopeBlendsTheConvWeightsAlone) {
  auto nets = make_fg_nets("resnet20", 1, 1);
  const FgLayout L = fg_layout(*nets[0].model, *nets[0].arena, FgScope::kConvOnly);
  int64_t conv_elements = 0;
  for (const FgTensor& t : L.tensors()) {
    if (t.role == FgRole::kConvWeight) {
      conv_elements += t.numel;
      EXPECT_EQ(group_conv(L, t.group), t.name);
    } else {
      EXPECT_EQ(t.group, -1) << t.name;
    }
  }
  EXPECT_EQ(segment_elements(L), conv_elements);
}

TEST(FgLayout, MobileNetV2ShortcutConvsStartGroupsAndDepthwiseConvsLinkTheirInputBn) {
  auto nets = make_fg_nets("mobilenetv2", 1, 1, 0.5f);
  const FgLayout L = fg_layout(*nets[0].model, *nets[0].arena, FgScope::kReference);
  const auto t = by_name(L);
  ASSERT_TRUE(t.count("layers.0.shortcut.0.weight"));
  EXPECT_EQ(t.at("layers.0.shortcut.0.weight")->role, FgRole::kConvWeight);
  EXPECT_EQ(group_conv(L, t.at("layers.0.shortcut.1.running_mean")->group), "layers.0.shortcut.0.weight");
  EXPECT_EQ(group_conv(L, t.at("layers.0.shortcut.1.num_batches_tracked")->group), "layers.0.shortcut.0.weight");
  EXPECT_EQ(group_conv(L, t.at("layers.0.bn3.bias")->group), "layers.0.conv3.weight");
  EXPECT_EQ(group_conv(L, t.at("linear.weight")->group), "conv2.weight");
  const FgGroup& dw = L.groups()[static_cast<size_t>(t.at("layers.0.conv2.weight")->group)];
  EXPECT_EQ(dw.in_per_group, 1);
  EXPECT_EQ(dw.out_per_group, 1);
  EXPECT_EQ(L.tensors()[static_cast<size_t>(L.bns()[static_cast<size_t>(dw.input_bn)].weight)].name,
            "layers.0.bn1.weight");
  // The shortcut reads the block's input, not bn3's output: no BN describes its input channels.
  EXPECT_EQ(L.groups()[static_cast<size_t>(t.at("layers.0.shortcut.0.weight")->group)].input_bn, -1);
  for (const FgTensor& x : L.tensors()) {
    if (x.dtype == DType::kInt64) {
      EXPECT_EQ(x.role, FgRole::kCounter) << x.name;
    }
  }
  EXPECT_EQ(segment_elements(L), nets[0].arena->n_elements());
}

TEST(FgLayout, FindsVggStyleConvsByShape) {
  // torchvision VGG names: no key holds "conv" (issue #18), and a buffer comes before the first conv.
  std::vector<FgEntry> e;
  int64_t offset = 0;
  const auto param = [&](const std::string& name, Shape shape) {
    e.push_back({name, shape, DType::kFloat32, offset, 1});
    offset += shape_numel(shape);
  };
  const auto buffer = [&](const std::string& name, Shape shape, DType dtype = DType::kFloat32) {
    e.push_back({name, shape, dtype, -1, 1});
  };
  buffer("input_mean", {3});
  param("features.0.weight", {8, 3, 3, 3});
  param("features.0.bias", {8});
  param("features.1.weight", {8});
  param("features.1.bias", {8});
  buffer("features.1.running_mean", {8});
  buffer("features.1.running_var", {8});
  buffer("features.1.num_batches_tracked", {}, DType::kInt64);
  param("features.3.weight", {4, 8, 3, 3});
  param("classifier.weight", {10, 4});
  const FgLayout L = FgLayout::build(e, offset, FgScope::kReference);
  ASSERT_EQ(L.n_groups(), 2);
  const auto t = by_name(L);
  EXPECT_EQ(group_conv(L, t.at("input_mean")->group), "features.0.weight");
  EXPECT_EQ(group_conv(L, t.at("features.0.bias")->group), "features.0.weight");
  EXPECT_EQ(t.at("features.1.weight")->role, FgRole::kBnWeight);
  EXPECT_EQ(group_conv(L, t.at("features.1.num_batches_tracked")->group), "features.0.weight");
  EXPECT_EQ(group_conv(L, t.at("classifier.weight")->group), "features.3.weight");
  EXPECT_EQ(L.groups()[1].input_bn, 0);
  EXPECT_EQ(L.groups()[0].own_bn, 0);
  EXPECT_EQ(L.groups()[1].own_bn, -1);
}

TEST(FgLayout, RefusesStateDictsWithoutConvWeightsOrOutsideTheArena) {
  const std::vector<FgEntry> mlp{{"fc.weight", {10, 4}, DType::kFloat32, 0, 1}};
  EXPECT_NE(testing::error_message([&] { FgLayout::build(mlp, 40, FgScope::kReference); }).find("4-D"),
            std::string::npos);
  const std::vector<FgEntry> outside{{"conv.weight", {2, 2, 1, 1}, DType::kFloat32, 0, 1}};
  EXPECT_NE(testing::error_message([&] { FgLayout::build(outside, 3, FgScope::kReference); }).find("does not fit"),
            std::string::npos);
}

}  // namespace
}  // namespace revive
