#include "nn/state_dict_model.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace revive::nn {
namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// <0, 0 or >0 as one part of a dotted name is before, equal to or after the other: digit runs
// compare as numbers (by length once leading zeros are dropped, then digit by digit), other
// characters by their code; equal numbers spelled differently ("01", "1") fall back to the text.
int compare_part(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t i_end = i, j_end = j;
      while (i_end < a.size() && is_digit(a[i_end])) ++i_end;
      while (j_end < b.size() && is_digit(b[j_end])) ++j_end;
      while (i + 1 < i_end && a[i] == '0') ++i;
      while (j + 1 < j_end && b[j] == '0') ++j;
      if (i_end - i != j_end - j) return i_end - i < j_end - j ? -1 : 1;
      const int c = a.compare(i, i_end - i, b, j, j_end - j);
      if (c != 0) return c;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
      ++i;
      ++j;
    }
  }
  if (i < a.size() || j < b.size()) return i < a.size() ? 1 : -1;
  return a.compare(b);
}

std::vector<std::string> split_dots(const std::string& name) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (true) {
    const size_t dot = name.find('.', begin);
    parts.push_back(name.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin));
    if (dot == std::string::npos) return parts;
    begin = dot + 1;
  }
}

// (module, member) of a dotted tensor name: "layer1.0.bn1.weight" -> ("layer1.0.bn1", "weight").
std::pair<std::string, std::string> split_member(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return {"", name};
  return {name.substr(0, dot), name.substr(dot + 1)};
}

std::string dotted(const std::string& module, const std::string& member) {
  return module.empty() ? member : module + "." + member;
}

[[noreturn]] void no_forward() { REVIVE_THROW("a model read from a state dict has no forward pass"); }

// One module of the model: parameters and submodules registered by name, nothing to run.
class Node : public Module {
 public:
  Node() : Module("StateDictModule") {}

  Node* child(const std::string& name) {
    auto it = children_.find(name);
    if (it != children_.end()) return it->second;
    return children_[name] = register_module(name, std::make_unique<Node>());
  }
  void add_parameter(const std::string& name, const Shape& shape, ParamKind kind, ParamInit init, int64_t fan_in,
                     int groups) {
    register_parameter(name, shape, kind, init, fan_in, groups);
  }
  void add_buffer(const std::string& name, const Tensor& value) { register_buffer(name, value); }

 private:
  Tensor forward_impl(const Tensor&) override { no_forward(); }

  std::map<std::string, Node*> children_;
};

struct HeldParameter {
  std::string member;
  Shape shape;
  ParamKind kind;
  ParamInit init;
  int64_t fan_in;
  int groups;
};

// What `module` holds of its members (by member name), as the file comment says.
std::vector<HeldParameter> held_parameters(const std::map<std::string, const Tensor*>& members) {
  auto find = [&](const char* member) -> const Tensor* {
    auto it = members.find(member);
    return it == members.end() || it->second->numel() == 0 ? nullptr : it->second;
  };
  const Tensor* w = find("weight");
  const Tensor* b = find("bias");
  std::vector<HeldParameter> out;
  if (!w) return out;
  const bool bias_fits = b && b->ndim() == 1 && b->dim(0) == w->dim(0);
  if (w->ndim() == 4) {
    const int64_t fan_in = w->dim(1) * w->dim(2) * w->dim(3);
    out.push_back({"weight", w->shape(), ParamKind::kConvWeight, ParamInit::kUniformFanIn, fan_in, 1});
    if (bias_fits) out.push_back({"bias", b->shape(), ParamKind::kConvBias, ParamInit::kUniformFanIn, fan_in, 1});
  } else if (w->ndim() == 1 && bias_fits && find("running_mean") && find("running_var")) {
    out.push_back({"weight", w->shape(), ParamKind::kBnWeight, ParamInit::kOnes, 0, 1});
    out.push_back({"bias", b->shape(), ParamKind::kBnBias, ParamInit::kZeros, 0, 1});
  } else if (w->ndim() == 2) {
    out.push_back({"weight", w->shape(), ParamKind::kLinearWeight, ParamInit::kUniformFanIn, w->dim(1), 1});
    if (bias_fits) out.push_back({"bias", b->shape(), ParamKind::kLinearBias, ParamInit::kUniformFanIn, w->dim(1), 1});
  }
  return out;
}

// A BatchNorm's running statistics and counter, in PyTorch's order, as zero tensors of the file's
// shapes and types (the values are loaded afterwards).
std::vector<std::pair<std::string, Tensor>> held_buffers(const std::map<std::string, const Tensor*>& members,
                                                        const std::vector<HeldParameter>& params) {
  std::vector<std::pair<std::string, Tensor>> out;
  if (params.empty() || params.front().kind != ParamKind::kBnWeight) return out;
  for (const char* member : {"running_mean", "running_var", "num_batches_tracked"}) {
    auto it = members.find(member);
    if (it != members.end()) out.emplace_back(member, Tensor::zeros(it->second->shape(), it->second->dtype()));
  }
  return out;
}

}  // namespace

bool natural_name_less(const std::string& a, const std::string& b) {
  const std::vector<std::string> pa = split_dots(a), pb = split_dots(b);
  for (size_t k = 0; k < std::min(pa.size(), pb.size()); ++k) {
    const int c = compare_part(pa[k], pb[k]);
    if (c != 0) return c < 0;
  }
  return pa.size() < pb.size();
}

std::vector<std::string> read_module_order(const std::string& path) {
  std::ifstream is(path);
  REVIVE_CHECK(is.good(), "cannot open module order file " << path << ": " << std::strerror(errno));
  std::vector<std::string> names;
  std::map<std::string, int> line_of;
  std::string line;
  for (int n = 1; std::getline(is, line); ++n) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.erase(0, 1);
    if (line.empty()) continue;  // the root module's name
    auto [it, fresh] = line_of.emplace(line, n);
    REVIVE_CHECK(fresh, path << " line " << n << ": module '" << line << "' is named a second time (first on line "
                             << it->second << "); expected named_modules() order, one name a line");
    names.push_back(line);
  }
  REVIVE_CHECK(!names.empty(), path << " names no module; expected `[n for n, _ in model.named_modules()]`, one "
                                    << "name a line");
  return names;
}

StateDictModel::StateDictModel(const std::map<std::string, Tensor>& tensors, const StateDictModelSpec& spec)
    : Module("StateDictModel") {
  const std::string origin = spec.origin.empty() ? "the state dict" : spec.origin;
  std::map<std::string, std::map<std::string, const Tensor*>> members;
  for (const auto& [name, t] : tensors) {
    const auto [module, member] = split_member(name);
    members[module][member] = &t;
  }
  std::map<std::string, std::vector<HeldParameter>> held;
  std::map<std::string, std::vector<std::pair<std::string, Tensor>>> buffers;
  for (const auto& [module, m] : members) {
    std::vector<HeldParameter> p = held_parameters(m);
    if (p.empty()) continue;
    buffers[module] = held_buffers(m, p);
    held[module] = std::move(p);
  }
  for (const auto& [module, groups] : spec.conv_groups) {
    auto it = held.find(module);
    REVIVE_CHECK(it != held.end() && it->second.front().kind == ParamKind::kConvWeight,
                 origin << ": groups are given for '" << module << "', which is no conv (no 4-D " << dotted(module, "weight")
                        << " in the file)");
    const int64_t out_channels = it->second.front().shape[0];
    REVIVE_CHECK(groups >= 1 && out_channels % groups == 0,
                 origin << ": groups " << groups << " of conv '" << module << "' must be >= 1 and divide its "
                        << out_channels << " output channels");
    it->second.front().groups = groups;
  }

  std::vector<std::string> order;
  for (const auto& [module, p] : held) order.push_back(module);
  if (spec.module_order.empty()) {
    std::stable_sort(order.begin(), order.end(), natural_name_less);
  } else {
    std::map<std::string, size_t> position;
    for (size_t i = 0; i < spec.module_order.size(); ++i) position.emplace(spec.module_order[i], i + 1);
    position.emplace("", 0);  // the root, named by an empty line or not at all
    for (const std::string& module : order) {
      REVIVE_CHECK(position.count(module), origin << ": module '" << module << "' (of " << dotted(module, "weight")
                                                  << ") is not in the module order; is the order from another model?");
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](const std::string& a, const std::string& b) { return position[a] < position[b]; });
  }

  std::map<std::string, Node*> nodes;
  for (const std::string& module : order) {
    Node* node = nullptr;
    std::string path;
    for (const std::string& part : module.empty() ? std::vector<std::string>{} : split_dots(module)) {
      Node*& slot = nodes[path.empty() ? part : path + "." + part];
      if (!slot) slot = node ? node->child(part) : register_module(part, std::make_unique<Node>());
      node = slot;
      path = path.empty() ? part : path + "." + part;
    }
    for (const HeldParameter& p : held[module]) {
      if (node) {
        node->add_parameter(p.member, p.shape, p.kind, p.init, p.fan_in, p.groups);
      } else {
        register_parameter(p.member, p.shape, p.kind, p.init, p.fan_in, p.groups);
      }
      if (p.kind == ParamKind::kConvWeight && !spec.conv_groups.count(module)) {
        convs_without_groups_.push_back(dotted(module, p.member));
      }
    }
    for (const auto& [member, value] : buffers[module]) {
      if (node) {
        node->add_buffer(member, value);
      } else {
        register_buffer(member, value);
      }
    }
  }

  // Modules register their submodules after their own parameters, so the model lists a module's
  // submodules together, right after it: an order that separates them is no named_modules() order.
  std::vector<std::string> built;
  for (const auto& [name, p] : named_parameters()) {
    const std::string module = split_member(name).first;
    if (built.empty() || built.back() != module) built.push_back(module);
  }
  for (size_t i = 0; i < order.size(); ++i) {
    REVIVE_CHECK(built[i] == order[i], origin << ": the module order puts '" << order[i] << "' where '" << built[i]
                                              << "' belongs: named_modules() lists a module's submodules together, "
                                              << "right after it");
  }
}

std::map<std::string, Tensor> StateDictModel::held(const std::map<std::string, Tensor>& tensors) const {
  std::map<std::string, Tensor> out;
  for (const auto& [name, p] : named_parameters()) out.emplace(name, tensors.at(name));
  for (const auto& [name, b] : named_buffers()) out.emplace(name, tensors.at(name));
  return out;
}

Tensor StateDictModel::forward_impl(const Tensor&) { no_forward(); }

}  // namespace revive::nn
