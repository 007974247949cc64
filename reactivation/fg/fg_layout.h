// The graft groups of one architecture (§2.3), built once from the order of its
// state dict, and the flat tables the CPU loops and CUDA kernels walk.
//
// grafting.py:110-115 computes a coefficient for every state-dict key whose name holds "conv" and
// blends *every* key with the latest one. revive finds conv weights by their 4-D shape instead (the
// author's advice in issue #18: VGG's "features.0.weight" crashes the published code), so a graft
// group is a conv weight with the tensors that follow it until the next conv weight: its BN's
// affine parameters, running statistics and num_batches_tracked, a conv bias, and after the last
// conv the classifier. Scope conv-only blends the conv weights alone (the paper's wording).
//
// Where this differs from the code: a conv weight whose key lacks "conv" (MobileNetV2's
// shortcut.0.weight, torchvision's downsample.0.weight) gets the previous conv's alpha in
// grafting.py, but being 4-D it starts a group of its own here, with its own entropy. Tensors
// before the first conv weight (where the code has no alpha yet and crashes) join the first group.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nn/module.h"
#include "nn/parameter_arena.h"
#include "reactivation/fg/fg_options.h"

namespace revive {

// One state-dict entry, in state-dict order: a parameter (in the arena) or a buffer (its own tensor).
struct FgEntry {
  std::string name;
  Shape shape;
  DType dtype = DType::kFloat32;
  int64_t offset = -1;  // a parameter's first element in the arena; -1 for a buffer
  int conv_groups = 1;  // a conv weight's groups (depthwise: its out channels); 1 otherwise
};

// What a tensor is to the variants: BN tensors by name (a module with weight, bias, running_mean and
// running_var of one length C), conv weights by shape, integer tensors as counters.
enum class FgRole : uint8_t { kConvWeight, kBnWeight, kBnBias, kBnRunningMean, kBnRunningVar, kCounter, kOther };

struct FgTensor {
  std::string name;
  Shape shape;
  DType dtype = DType::kFloat32;
  int64_t numel = 0;
  int64_t offset = -1;  // arena offset, or -1
  int buffer = -1;      // index among the model's buffers (named_buffers order), or -1
  FgRole role = FgRole::kOther;
  int group = -1;       // the graft group whose alpha blends it; -1: never blended
  int bn = -1;          // its BN layer for the BN roles
  int conv_groups = 1;
};

struct FgGroup {
  int conv = 0;            // tensor index of the group's conv weight
  int64_t offset = 0;      // the conv weight in the arena
  int64_t numel = 0;
  int32_t n_filters = 0;   // O
  int32_t filter_len = 0;  // I_g Kh Kw
  int64_t first_filter = 0;  // its first filter among every group's filters, in group order
  // Filter-level grafting (§2.7, last item): the BN that follows the conv with one channel per
  // filter (own_bn), and the BN just before the conv when it has the conv's input channels (input_bn).
  int own_bn = -1;
  int input_bn = -1;
  int32_t in_per_group = 1;   // I_g
  int32_t out_per_group = 1;  // O / groups
  int32_t kernel_size = 1;    // Kh Kw
};

struct FgBn {
  int weight = -1, bias = -1, running_mean = -1, running_var = -1;  // tensor indices
  int64_t channels = 0;
};

// A run of a group's conv filters holding about kFgChunkElements elements: the unit of work of the
// min/max, L1 and histogram passes on both backends.
constexpr int64_t kFgChunkElements = 16384;
struct FgChunk {
  int32_t group = 0;
  int32_t filter_begin = 0, filter_end = 0;  // within the group
};

// A run of arena elements blended with one group's alpha (ascending, disjoint).
struct FgSegment {
  int64_t begin = 0, end = 0;
  int32_t group = 0;
};

class FgLayout {
 public:
  FgLayout() = default;
  // Throws revive::Error when there is no conv weight, or an entry lies outside the arena.
  static FgLayout build(const std::vector<FgEntry>& entries, int64_t arena_numel, FgScope scope);

  const std::vector<FgTensor>& tensors() const { return tensors_; }
  const std::vector<FgGroup>& groups() const { return groups_; }
  const std::vector<FgBn>& bns() const { return bns_; }
  const std::vector<FgSegment>& segments() const { return segments_; }
  // Tensor indices of the buffers, in buffer order (every buffer, blended or not).
  const std::vector<int>& buffers() const { return buffers_; }
  // Every group's chunks, group after group: group g owns chunks [group_chunk_begin()[g],
  // group_chunk_begin()[g + 1]).
  const std::vector<FgChunk>& chunks() const { return chunks_; }
  const std::vector<int>& group_chunk_begin() const { return group_chunk_begin_; }
  int n_groups() const { return static_cast<int>(groups_.size()); }
  int64_t n_filters() const { return n_filters_; }  // conv filters of every group
  int64_t arena_numel() const { return arena_numel_; }  // the arena buffer's elements, padding included
  FgScope scope() const { return scope_; }

 private:
  std::vector<FgTensor> tensors_;
  std::vector<FgGroup> groups_;
  std::vector<FgBn> bns_;
  std::vector<FgSegment> segments_;
  std::vector<int> buffers_;
  std::vector<FgChunk> chunks_;
  std::vector<int> group_chunk_begin_;
  int64_t n_filters_ = 0;
  int64_t arena_numel_ = 0;
  FgScope scope_ = FgScope::kReference;
};

// The entries of a model whose arena is built: its state dict with the arena's offsets.
std::vector<FgEntry> fg_entries(const nn::Module& model, const nn::ParameterArena& arena);

inline FgLayout fg_layout(const nn::Module& model, const nn::ParameterArena& arena, FgScope scope) {
  return FgLayout::build(fg_entries(model, arena), arena.params().numel(), scope);
}

}  // namespace revive
