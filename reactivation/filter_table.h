// The filter table (ARCHITECTURE.md decision 3): every reactivatable tensor of a model described as
// flat structure-of-arrays over a flat float parameter arena, so the CPU loops and (later) CUDA
// kernels read the same arrays and every reactivation stage covers the whole model in one pass.
//
// A conv weight W[O, I_g, Kh, Kw] (PyTorch layout, I_g = in_channels / groups) is a layer of O
// filters of length I_g*Kh*Kw, each made of I_g slices (kernels) of length Kh*Kw. A BN gamma or
// beta vector [C] is a layer of C filters of length 1 (one slice of one element). The divisor of a
// filter's average L1 norm is I_g for conv (docs/weight-evolution.md §1.2: weight.shape[1]) and 1 for BN.
//
// Layers are kept in module order (layer_index, then input order: a BN's gamma before its beta if
// given so), which is the order WE's fallback counters walk them (§1.4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace revive {

enum class ReactivatableKind : uint8_t { kConvWeight, kBnGamma, kBnBeta };
constexpr int kNumReactivatableKinds = 3;
const char* reactivatable_kind_name(ReactivatableKind kind);  // "conv", "bn_gamma", "bn_beta"

// One tensor of the arena that reactivation may rewrite.
struct ReactivatableTensor {
  std::string name;  // PyTorch state-dict name, for messages
  ReactivatableKind kind = ReactivatableKind::kConvWeight;
  int64_t offset = 0;  // first element in the arena
  Shape shape;         // conv: [O, I_g, Kh, Kw]; BN: [C]
  int groups = 1;      // conv groups (O must be a multiple); 1 for BN
  int layer_index = 0; // position of the owning module in module order
};

// Per-layer arrays, one entry per layer, in module order.
struct FilterTableLayers {
  std::vector<ReactivatableKind> kind;
  std::vector<int64_t> offset;        // arena offset of the tensor
  std::vector<int32_t> n_filters;     // O or C
  std::vector<int32_t> filter_len;    // I_g*Kh*Kw or 1
  std::vector<int32_t> n_slices;      // I_g or 1
  std::vector<int32_t> slice_len;     // Kh*Kw or 1
  std::vector<int32_t> kernel_h;      // Kh or 1
  std::vector<int32_t> groups;        // conv groups or 1
  std::vector<float> divisor;         // average-L1 divisor: I_g or 1 (§1.2)
  std::vector<int32_t> first_filter;  // n_layers + 1 entries: layer l owns filters [first_filter[l], first_filter[l+1])
};

// Per-filter arrays, one entry per filter of every layer, layer after layer.
struct FilterTableFilters {
  std::vector<int32_t> layer;   // owning layer
  std::vector<int64_t> offset;  // arena offset of the filter's first element
  // n_filters + 1 entries: filters [0, f) hold element_prefix[f] elements; splits passes over the
  // table into equal amounts of work.
  std::vector<int64_t> element_prefix;
};

class FilterTable {
 public:
  FilterTable() = default;

  // Validates every descriptor (shape rank and sizes, groups, arena bounds, overlaps, duplicate
  // (layer_index, kind)) and throws revive::Error naming the tensor on the first problem.
  static FilterTable build(const std::vector<ReactivatableTensor>& tensors, int64_t arena_numel);

  const FilterTableLayers& layers() const { return layers_; }
  const FilterTableFilters& filters() const { return filters_; }
  const std::vector<std::string>& layer_names() const { return names_; }

  int n_layers() const { return static_cast<int>(layers_.kind.size()); }
  int64_t n_filters() const { return static_cast<int64_t>(filters_.layer.size()); }
  int n_layers_of(ReactivatableKind kind) const;
  int64_t n_filters_of(ReactivatableKind kind) const;
  int64_t n_elements() const { return n_elements_; }  // elements covered by the table
  int64_t arena_numel() const { return arena_numel_; }

 private:
  FilterTableLayers layers_;
  FilterTableFilters filters_;
  std::vector<std::string> names_;
  int64_t n_elements_ = 0;
  int64_t arena_numel_ = 0;
};

}  // namespace revive
