#include "reactivation/fg/fg_layout.h"

#include <algorithm>
#include <map>

#include "core/error.h"

namespace revive {
namespace {

std::string module_of(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : name.substr(0, dot);
}

std::string local_of(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

// Marks the BN layers: modules whose weight, bias, running_mean and running_var are float vectors
// of one length. Returns them in the order of their weights.
std::vector<FgBn> find_bns(std::vector<FgTensor>& tensors) {
  std::map<std::string, std::map<std::string, int>> members;  // module -> local name -> tensor
  for (int i = 0; i < static_cast<int>(tensors.size()); ++i) {
    const FgTensor& t = tensors[static_cast<size_t>(i)];
    if (t.dtype == DType::kFloat32 && t.shape.size() == 1) members[module_of(t.name)][local_of(t.name)] = i;
  }
  std::vector<FgBn> bns;
  for (int i = 0; i < static_cast<int>(tensors.size()); ++i) {
    const FgTensor& t = tensors[static_cast<size_t>(i)];
    if (t.dtype != DType::kFloat32 || t.shape.size() != 1 || local_of(t.name) != "weight") continue;
    const auto& m = members[module_of(t.name)];
    const auto find = [&](const char* local) {
      const auto it = m.find(local);
      return it != m.end() && tensors[static_cast<size_t>(it->second)].shape == t.shape ? it->second : -1;
    };
    FgBn bn{i, find("bias"), find("running_mean"), find("running_var"), t.shape[0]};
    if (bn.bias < 0 || bn.running_mean < 0 || bn.running_var < 0) continue;
    const int index = static_cast<int>(bns.size());
    const int members_of_bn[4] = {bn.weight, bn.bias, bn.running_mean, bn.running_var};
    const FgRole roles[4] = {FgRole::kBnWeight, FgRole::kBnBias, FgRole::kBnRunningMean, FgRole::kBnRunningVar};
    for (int k = 0; k < 4; ++k) {
      tensors[static_cast<size_t>(members_of_bn[k])].role = roles[k];
      tensors[static_cast<size_t>(members_of_bn[k])].bn = index;
    }
    bns.push_back(bn);
  }
  return bns;
}

}  // namespace

FgLayout FgLayout::build(const std::vector<FgEntry>& entries, int64_t arena_numel, FgScope scope) {
  FgLayout L;
  L.arena_numel_ = arena_numel;
  L.scope_ = scope;
  for (const FgEntry& e : entries) {
    FgTensor t;
    t.name = e.name;
    t.shape = e.shape;
    t.dtype = e.dtype;
    t.numel = shape_numel(e.shape);
    t.offset = e.offset;
    t.conv_groups = e.conv_groups;
    if (e.offset >= 0) {
      REVIVE_CHECK(e.dtype == DType::kFloat32 && e.offset + t.numel <= arena_numel,
                   "FG: parameter " << e.name << " " << shape_str(e.shape) << " at offset " << e.offset
                                    << " does not fit a float arena of " << arena_numel << " elements");
    } else {
      t.buffer = static_cast<int>(L.buffers_.size());
      L.buffers_.push_back(static_cast<int>(L.tensors_.size()));
    }
    if (e.dtype != DType::kFloat32) {
      t.role = FgRole::kCounter;
    } else if (e.shape.size() == 4 && e.offset >= 0) {
      t.role = FgRole::kConvWeight;
    }
    L.tensors_.push_back(t);
  }
  L.bns_ = find_bns(L.tensors_);

  int last_bn = -1;
  for (int i = 0; i < static_cast<int>(L.tensors_.size()); ++i) {
    FgTensor& t = L.tensors_[static_cast<size_t>(i)];
    if (t.role == FgRole::kBnWeight) last_bn = t.bn;
    if (t.role == FgRole::kBnWeight && !L.groups_.empty()) {
      FgGroup& g = L.groups_.back();
      if (g.own_bn < 0 && L.bns_[static_cast<size_t>(t.bn)].channels == g.n_filters) g.own_bn = t.bn;
    }
    if (t.role != FgRole::kConvWeight) continue;
    const int64_t in_channels = t.shape[1] * t.conv_groups;
    REVIVE_CHECK(t.numel > 0 && t.conv_groups >= 1 && t.shape[0] % t.conv_groups == 0 &&
                     t.numel < (int64_t{1} << 31),
                 "FG: conv weight " << t.name << " " << shape_str(t.shape) << " with " << t.conv_groups
                                    << " groups cannot be grafted (expected O divisible by the groups and fewer than "
                                    << "2^31 elements)");
    FgGroup g;
    g.conv = i;
    g.offset = t.offset;
    g.numel = t.numel;
    g.n_filters = static_cast<int32_t>(t.shape[0]);
    g.filter_len = static_cast<int32_t>(t.numel / t.shape[0]);
    g.first_filter = L.n_filters_;
    g.in_per_group = static_cast<int32_t>(t.shape[1]);
    g.out_per_group = static_cast<int32_t>(t.shape[0] / t.conv_groups);
    g.kernel_size = static_cast<int32_t>(t.shape[2] * t.shape[3]);
    if (last_bn >= 0 && L.bns_[static_cast<size_t>(last_bn)].channels == in_channels) g.input_bn = last_bn;
    L.n_filters_ += g.n_filters;
    L.groups_.push_back(g);
  }
  REVIVE_CHECK(!L.groups_.empty(), "FG grafts layer by layer from conv weights (4-D tensors), and this state dict "
                                   "has none (" << entries.size() << " entries)");

  // Group membership (§2.3): the latest conv weight at or before the tensor; the first group
  // for tensors before the first conv weight. conv-only: the conv weights alone.
  int group = 0;
  for (int i = 0, next = 0; i < static_cast<int>(L.tensors_.size()); ++i) {
    FgTensor& t = L.tensors_[static_cast<size_t>(i)];
    if (next < L.n_groups() && L.groups_[static_cast<size_t>(next)].conv == i) group = next++;
    if (scope == FgScope::kReference || t.role == FgRole::kConvWeight) t.group = group;
  }
  for (const FgTensor& t : L.tensors_) {
    if (t.offset < 0 || t.group < 0 || t.numel == 0) continue;
    if (!L.segments_.empty() && L.segments_.back().group == t.group && L.segments_.back().end == t.offset) {
      L.segments_.back().end += t.numel;
    } else {
      L.segments_.push_back({t.offset, t.offset + t.numel, t.group});
    }
  }
  L.group_chunk_begin_.assign(1, 0);
  for (int gi = 0; gi < L.n_groups(); ++gi) {
    const FgGroup& g = L.groups_[static_cast<size_t>(gi)];
    const int32_t per_chunk = static_cast<int32_t>(std::max<int64_t>(1, kFgChunkElements / g.filter_len));
    for (int32_t f = 0; f < g.n_filters; f += per_chunk)
      L.chunks_.push_back({gi, f, std::min(g.n_filters, f + per_chunk)});
    L.group_chunk_begin_.push_back(static_cast<int>(L.chunks_.size()));
  }
  for (size_t s = 1; s < L.segments_.size(); ++s)
    REVIVE_CHECK(L.segments_[s].begin >= L.segments_[s - 1].end,
                 "FG: the arena's parameters are not in state-dict order (" << L.tensors_.size() << " entries)");
  return L;
}

std::vector<FgEntry> fg_entries(const nn::Module& model, const nn::ParameterArena& arena) {
  std::vector<FgEntry> out;
  const std::vector<nn::ArenaEntry>& params = arena.entries();
  size_t next = 0;
  for (const auto& [name, tensor] : model.state_dict()) {
    FgEntry e;
    e.name = name;
    e.shape = tensor.shape();
    e.dtype = tensor.dtype();
    if (next < params.size() && params[next].name == name) {
      e.offset = params[next].offset;
      e.conv_groups = params[next].kind == nn::ParamKind::kConvWeight ? params[next].groups : 1;
      ++next;
    }
    out.push_back(e);
  }
  REVIVE_CHECK(next == params.size(), "FG: the arena holds " << params.size() << " parameters but the model's state "
                                                             << "dict lists " << next << " of them in order");
  return out;
}

}  // namespace revive
