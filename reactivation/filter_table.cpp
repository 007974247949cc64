#include "reactivation/filter_table.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace revive {

const char* reactivatable_kind_name(ReactivatableKind kind) {
  switch (kind) {
    case ReactivatableKind::kConvWeight: return "conv";
    case ReactivatableKind::kBnGamma: return "bn_gamma";
    case ReactivatableKind::kBnBeta: return "bn_beta";
  }
  return "unknown";
}

namespace {

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();

void check_descriptor(const ReactivatableTensor& t, int64_t arena_numel) {
  const std::string who = "reactivatable tensor '" + t.name + "' (" + reactivatable_kind_name(t.kind) + ", shape " +
                          shape_str(t.shape) + ")";
  REVIVE_CHECK(t.kind == ReactivatableKind::kConvWeight || t.kind == ReactivatableKind::kBnGamma ||
                   t.kind == ReactivatableKind::kBnBeta,
               who << ": unknown kind " << static_cast<int>(t.kind));
  if (t.kind == ReactivatableKind::kConvWeight) {
    REVIVE_CHECK(t.shape.size() == 4, who << ": a conv weight must have 4 dimensions [O, I_g, Kh, Kw]");
  } else {
    REVIVE_CHECK(t.shape.size() == 1, who << ": a BN gamma/beta must have 1 dimension [C]");
  }
  for (int64_t d : t.shape) REVIVE_CHECK(d >= 1, who << ": every dimension must be >= 1");
  if (t.kind == ReactivatableKind::kConvWeight) {
    REVIVE_CHECK(t.groups >= 1, who << ": groups must be >= 1, got " << t.groups);
    REVIVE_CHECK(t.shape[0] % t.groups == 0,
                 who << ": out channels " << t.shape[0] << " must be a multiple of groups " << t.groups);
  } else {
    REVIVE_CHECK(t.groups == 1, who << ": BN tensors have no groups; expected groups = 1, got " << t.groups);
  }
  REVIVE_CHECK(t.shape[0] <= kMaxInt32, who << ": more than 2^31-1 filters");
  const int64_t filter_len = shape_numel(t.shape) / t.shape[0];
  REVIVE_CHECK(filter_len <= kMaxInt32, who << ": a filter longer than 2^31-1 elements");
  REVIVE_CHECK(t.layer_index >= 0, who << ": layer_index must be >= 0, got " << t.layer_index);
  REVIVE_CHECK(t.offset >= 0 && t.offset <= arena_numel && shape_numel(t.shape) <= arena_numel - t.offset,
               who << ": elements [" << t.offset << ", " << t.offset + shape_numel(t.shape)
                   << ") lie outside the arena of " << arena_numel << " elements");
}

// Two tensors that share elements would be rewritten twice, through two different views.
void check_disjoint(const std::vector<ReactivatableTensor>& tensors) {
  std::vector<size_t> by_offset(tensors.size());
  std::iota(by_offset.begin(), by_offset.end(), size_t{0});
  std::sort(by_offset.begin(), by_offset.end(),
            [&](size_t a, size_t b) { return tensors[a].offset < tensors[b].offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const ReactivatableTensor& prev = tensors[by_offset[i - 1]];
    const ReactivatableTensor& cur = tensors[by_offset[i]];
    const int64_t prev_end = prev.offset + shape_numel(prev.shape);
    REVIVE_CHECK(cur.offset >= prev_end, "reactivatable tensors '" << prev.name << "' [" << prev.offset << ", "
                                                                   << prev_end << ") and '" << cur.name << "' ["
                                                                   << cur.offset << ", ...) overlap in the arena");
  }
}

}  // namespace

FilterTable FilterTable::build(const std::vector<ReactivatableTensor>& tensors, int64_t arena_numel) {
  REVIVE_CHECK(arena_numel >= 0, "arena size must be >= 0, got " << arena_numel);
  for (const auto& t : tensors) check_descriptor(t, arena_numel);
  check_disjoint(tensors);

  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return tensors[a].layer_index < tensors[b].layer_index; });
  for (size_t i = 1; i < order.size(); ++i) {
    const ReactivatableTensor& a = tensors[order[i - 1]];
    const ReactivatableTensor& b = tensors[order[i]];
    REVIVE_CHECK(a.layer_index != b.layer_index || a.kind != b.kind,
                 "reactivatable tensors '" << a.name << "' and '" << b.name << "' are both "
                                           << reactivatable_kind_name(a.kind) << " of module " << a.layer_index
                                           << ": expected one tensor per (layer_index, kind)");
  }

  FilterTable table;
  table.arena_numel_ = arena_numel;
  FilterTableLayers& L = table.layers_;
  int64_t n_filters = 0;
  L.first_filter.push_back(0);
  for (size_t i : order) {
    const ReactivatableTensor& t = tensors[i];
    const bool conv = t.kind == ReactivatableKind::kConvWeight;
    const int64_t n = t.shape[0];
    const int64_t filter_len = shape_numel(t.shape) / n;
    n_filters += n;
    REVIVE_CHECK(n_filters <= kMaxInt32, "the filter table holds more than 2^31-1 filters");
    L.kind.push_back(t.kind);
    L.offset.push_back(t.offset);
    L.n_filters.push_back(static_cast<int32_t>(n));
    L.filter_len.push_back(static_cast<int32_t>(filter_len));
    L.n_slices.push_back(conv ? static_cast<int32_t>(t.shape[1]) : 1);
    L.slice_len.push_back(conv ? static_cast<int32_t>(t.shape[2] * t.shape[3]) : 1);
    L.kernel_h.push_back(conv ? static_cast<int32_t>(t.shape[2]) : 1);
    L.groups.push_back(t.groups);
    L.divisor.push_back(conv ? static_cast<float>(t.shape[1]) : 1.0f);
    L.first_filter.push_back(static_cast<int32_t>(n_filters));
    table.names_.push_back(t.name);
    table.n_elements_ += shape_numel(t.shape);
  }

  FilterTableFilters& F = table.filters_;
  F.layer.resize(static_cast<size_t>(n_filters));
  F.offset.resize(static_cast<size_t>(n_filters));
  F.element_prefix.resize(static_cast<size_t>(n_filters) + 1);
  F.element_prefix[0] = 0;
  for (int l = 0; l < table.n_layers(); ++l) {
    for (int32_t j = 0; j < L.n_filters[l]; ++j) {
      const size_t f = static_cast<size_t>(L.first_filter[l] + j);
      F.layer[f] = l;
      F.offset[f] = L.offset[l] + static_cast<int64_t>(j) * L.filter_len[l];
      F.element_prefix[f + 1] = F.element_prefix[f] + L.filter_len[l];
    }
  }
  return table;
}

int FilterTable::n_layers_of(ReactivatableKind kind) const {
  return static_cast<int>(std::count(layers_.kind.begin(), layers_.kind.end(), kind));
}

int64_t FilterTable::n_filters_of(ReactivatableKind kind) const {
  int64_t n = 0;
  for (int l = 0; l < n_layers(); ++l)
    if (layers_.kind[l] == kind) n += layers_.n_filters[l];
  return n;
}

}  // namespace revive
