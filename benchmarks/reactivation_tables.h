// The filter tables the reactivation benchmarks run on, built synthetically from real CIFAR models'
// layer shapes (random weights):
//   resnet56     CIFAR ResNet-56, option-A shortcuts: 16/32/64 channels, 3x3 convs, BN after every
//                conv, 0.85M parameters;
//   mobilenetv2  kuangliu's CIFAR MobileNetV2: expansion 1x1 / depthwise 3x3 / projection 1x1
//                blocks with BN, conv shortcuts where the width changes at stride 1, 2.3M parameters;
//   big          28 convs of 256x256x3x3 (66 MB), larger than the last-level cache, for bandwidth.
// Weights are 0.1 N(0, 1) with one filter in five scaled by 1e-3 (nearly dead, as in trained nets,
// so that the methods' selections have work). And the timing helpers the benchmarks share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reactivation/filter_table.h"

namespace revive::bench {

struct ModelTable {
  std::vector<ReactivatableTensor> tensors;
  int64_t numel = 0;
  int layer = 0;
  std::vector<float> arena;
  FilterTable table;

  void conv(Shape shape, int groups) {
    tensors.push_back(
        {"conv" + std::to_string(layer), ReactivatableKind::kConvWeight, numel, shape, groups, layer++});
    numel += shape_numel(shape);
  }
  void bn(int64_t c) {
    const std::string name = "bn" + std::to_string(layer);
    tensors.push_back({name + ".weight", ReactivatableKind::kBnGamma, numel, {c}, 1, layer});
    tensors.push_back({name + ".bias", ReactivatableKind::kBnBeta, numel + c, {c}, 1, layer++});
    numel += 2 * c;
  }
  void conv_bn(int64_t out, int64_t in, int64_t k, int groups = 1) {
    conv({out, in / groups, k, k}, groups);
    bn(out);
  }
  void linear(int64_t out, int64_t in) { numel += out * in + out; }
  // Fills the arena with 0.1 N(0, 1), scales one filter in five by 1e-3 (nearly dead, as in
  // trained nets) and builds the table.
  void finish();
};

// By name: "resnet56", "mobilenetv2" or "big"; built once.
ModelTable& model(const std::string& name);

// The number of conv weights in a table (what KR reads).
int64_t conv_elements(const FilterTable& table);

// With --benchmark_repetitions=N, the fastest repetition (`_min`) besides mean, median and stddev:
// on a shared machine it is the least disturbed one.
double min_of(const std::vector<double>& v);

// The median of a non-empty vector (reorders it).
double median(std::vector<double>& v);

// In training, the last SGD step of an epoch writes the arena split over the threads as OpenMP's
// static schedule splits it, so each thread's share sits in its own core's caches; the evaluation
// between it and the method only reads the arena (a pass over 2 or 8 MiB per thread standing for
// the evaluation's activations made WE's step slower, not faster, so none is simulated). A
// one-thread memcpy would put it all near one core and make the other thread's reads slower and
// erratic.
void restore_as_sgd_writes(float* dst, const std::vector<float>& src);

}  // namespace revive::bench
