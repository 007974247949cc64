#include "benchmarks/reactivation_tables.h"

#include <algorithm>

#include "core/rng.h"

namespace revive::bench {

void ModelTable::finish() {
  arena.resize(static_cast<size_t>(numel));
  Rng rng(1);
  for (float& x : arena) x = 0.1f * rng.normal();
  for (const auto& t : tensors) {
    const int64_t len = shape_numel(t.shape) / t.shape[0];
    for (int64_t j = 0; j < t.shape[0]; ++j)
      if (rng.uniform() < 0.2f)
        for (int64_t e = 0; e < len; ++e) arena[static_cast<size_t>(t.offset + j * len + e)] *= 1e-3f;
  }
  table = FilterTable::build(tensors, numel);
}

namespace {

ModelTable resnet56() {
  ModelTable m;
  m.conv_bn(16, 3, 3);
  int64_t in = 16;
  for (int64_t width : {16, 32, 64}) {
    for (int block = 0; block < 9; ++block) {
      m.conv_bn(width, in, 3);
      m.conv_bn(width, width, 3);
      in = width;
    }
  }
  m.linear(10, 64);
  m.finish();
  return m;
}

ModelTable mobilenetv2() {
  ModelTable m;
  m.conv_bn(32, 3, 3);
  int64_t in = 32;
  // (expansion, out planes, blocks, stride) of kuangliu's CIFAR MobileNetV2.
  const int64_t cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 1}, {6, 32, 3, 2}, {6, 64, 4, 2},
                             {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  for (const auto& c : cfg) {
    for (int64_t b = 0; b < c[2]; ++b) {
      const int64_t stride = b == 0 ? c[3] : 1, out = c[1], planes = c[0] * in;
      m.conv_bn(planes, in, 1);
      m.conv_bn(planes, planes, 3, static_cast<int>(planes));
      m.conv_bn(out, planes, 1);
      if (stride == 1 && in != out) m.conv_bn(out, in, 1);
      in = out;
    }
  }
  m.conv_bn(1280, 320, 1);
  m.linear(10, 1280);
  m.finish();
  return m;
}

ModelTable big() {
  ModelTable m;
  for (int i = 0; i < 28; ++i) m.conv_bn(256, 256, 3);
  m.finish();
  return m;
}

}  // namespace

ModelTable& model(const std::string& name) {
  static ModelTable r56 = resnet56(), mv2 = mobilenetv2();
  if (name == "resnet56") return r56;
  if (name == "mobilenetv2") return mv2;
  static ModelTable b = big();
  return b;
}

int64_t conv_elements(const FilterTable& table) {
  int64_t n = 0;
  for (int l = 0; l < table.n_layers(); ++l)
    if (table.layers().kind[l] == ReactivatableKind::kConvWeight)
      n += static_cast<int64_t>(table.layers().n_filters[l]) * table.layers().filter_len[l];
  return n;
}

double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

double median(std::vector<double>& v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

void restore_as_sgd_writes(float* dst, const std::vector<float>& src) {
  const int64_t n = static_cast<int64_t>(src.size());
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) dst[i] = src[static_cast<size_t>(i)];
}

}  // namespace revive::bench
