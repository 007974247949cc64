// `revive inspect FILE`: what a state dict's conv layers look like (a revive checkpoint,
// model.safetensors, or any PyTorch state dict saved with safetensors): per conv layer its filters,
// how many are dormant (average L1 norm below --threshold, reactivation/filter_census.h), the
// smallest, median and largest average L1, and the layer's entropy as Filter Grafting measures it
// (reactivation/tensor_entropy.h). --json prints the same, plus every floating-point tensor's name,
// shape, entropy, L1 norm, min and max.
//
// Every 4-dimensional float tensor counts as a conv weight; layers are listed in natural name
// order ("layer2" before "layer10"), which is module order for PyTorch's dotted names.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/safetensors.h"
#include "reactivation/filter_census.h"
#include "reactivation/tensor_entropy.h"
#include "tools/commands.h"

namespace revive::cli {
namespace {

struct InspectCommandLine {
  std::string file;
  double threshold = 1e-3;
  bool json = false;
};

// a < b with digit runs compared as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      const std::string x = a.substr(i, ie - i), y = b.substr(j, je - j);
      if (x.size() != y.size()) return x.size() < y.size();  // no leading zeros in module names
      if (x != y) return x < y;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

struct TensorFacts {
  double l1 = 0;
  float min = 0, max = 0;
  float entropy = 0;
};

TensorFacts facts_of(const Tensor& t) {
  TensorFacts f;
  const float* x = t.data<float>();
  const int64_t n = t.numel();
  if (n > 0) f.min = f.max = x[0];
  for (int64_t i = 0; i < n; ++i) {
    f.l1 += std::fabs(static_cast<double>(x[i]));
    f.min = std::isnan(x[i]) || x[i] < f.min ? x[i] : f.min;
    f.max = std::isnan(x[i]) || x[i] > f.max ? x[i] : f.max;
  }
  f.entropy = tensor_entropy(x, n);
  return f;
}

int run_inspect(const InspectCommandLine& cl) {
  REVIVE_CHECK(cl.threshold > 0, "--threshold must be > 0");
  const SafetensorsFile file = load_safetensors(cl.file);
  std::vector<std::string> names;
  for (const auto& [name, t] : file.tensors) {
    if (t.dtype() == DType::kFloat32) names.push_back(name);
  }
  std::sort(names.begin(), names.end(), natural_less);

  // The conv weights side by side in one buffer, the filter table's arena.
  std::vector<ReactivatableTensor> convs;
  int64_t numel = 0;
  for (const std::string& name : names) {
    const Tensor& t = file.tensors.at(name);
    if (t.ndim() != 4 || t.numel() == 0) continue;
    convs.push_back({name, ReactivatableKind::kConvWeight, numel, t.shape(), 1, static_cast<int>(convs.size())});
    numel += t.numel();
  }
  std::vector<float> arena(static_cast<size_t>(numel));
  for (const ReactivatableTensor& c : convs) {
    const Tensor& t = file.tensors.at(c.name);
    std::copy(t.data<float>(), t.data<float>() + t.numel(), arena.begin() + c.offset);
  }
  const std::vector<ConvLayerFilters> layers =
      conv_layer_filters(FilterTable::build(convs, numel), arena.data());

  nlohmann::json conv = nlohmann::json::array();
  int64_t filters = 0, dormant = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    const ConvLayerFilters& L = layers[l];
    const Tensor& t = file.tensors.at(L.name);
    filters += L.n_filters();
    dormant += L.count_below(cl.threshold);
    conv.push_back({{"name", L.name}, {"shape", t.shape()}, {"filters", L.n_filters()},
                    {"dormant", L.count_below(cl.threshold)}, {"min_avg_l1", L.min()},
                    {"median_avg_l1", L.median()}, {"max_avg_l1", L.max()}, {"mean_avg_l1", L.mean()},
                    {"entropy", tensor_entropy(t.data<float>(), t.numel())}});
  }
  if (cl.json) {
    nlohmann::json tensors = nlohmann::json::array();
    for (const std::string& name : names) {
      const Tensor& t = file.tensors.at(name);
      const TensorFacts f = facts_of(t);
      tensors.push_back({{"name", name}, {"shape", t.shape()}, {"entropy", f.entropy}, {"l1_norm", f.l1},
                         {"min", f.min}, {"max", f.max}});
    }
    const nlohmann::json out{{"file", cl.file},       {"threshold", cl.threshold}, {"conv_filters", filters},
                             {"dormant", dormant},    {"conv_layers", conv},       {"tensors", tensors}};
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  size_t width = 5;
  for (const ConvLayerFilters& L : layers) width = std::max(width, L.name.size());
  std::printf("%s: %zu tensors, %zu conv layers, %lld filters, %lld dormant (average L1 < %g)\n\n", cl.file.c_str(),
              file.tensors.size(), layers.size(), static_cast<long long>(filters), static_cast<long long>(dormant),
              cl.threshold);
  std::printf("%-*s %18s %8s %8s %11s %11s %11s %8s\n", static_cast<int>(width), "layer", "shape", "filters", "dormant",
              "min avg L1", "median", "max", "entropy");
  for (const nlohmann::json& c : conv) {
    const auto& s = c["shape"];
    char shape[64];
    std::snprintf(shape, sizeof shape, "%lldx%lldx%lldx%lld", s[0].get<long long>(), s[1].get<long long>(),
                  s[2].get<long long>(), s[3].get<long long>());
    std::printf("%-*s %18s %8lld %8lld %11.4g %11.4g %11.4g %8.4f\n", static_cast<int>(width),
                c["name"].get<std::string>().c_str(), shape, c["filters"].get<long long>(),
                c["dormant"].get<long long>(), c["min_avg_l1"].get<double>(), c["median_avg_l1"].get<double>(),
                c["max_avg_l1"].get<double>(), c["entropy"].get<double>());
  }
  return 0;
}

}  // namespace

Runner add_inspect_command(CLI::App& app) {
  auto cl = std::make_shared<InspectCommandLine>();
  app.add_option("file", cl->file, "A .safetensors state dict (checkpoint, model.safetensors, a PyTorch state dict)")
      ->required();
  app.add_option("--threshold", cl->threshold, "A filter is dormant when its average L1 norm is below this")
      ->capture_default_str();
  app.add_flag("--json", cl->json, "Print JSON: every conv layer, and every floating-point tensor with its entropy, "
                                   "L1 norm, min and max");
  return [cl] { return run_inspect(*cl); };
}

}  // namespace revive::cli
