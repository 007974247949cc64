#include "reactivation/fg/reference.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "reactivation/fg/fg_coefficient.h"
#include "reactivation/fg/fg_noise.h"
#include "reactivation/filter_norms.h"
#include "reactivation/order_keys.h"
#include "reactivation/step_clock.h"
#include "reactivation/tensor_entropy.h"

namespace revive {
namespace {

using Snapshot = std::vector<Tensor>;  // one network's state dict, deep copies

bool is_conv_weight(const Tensor& t) { return t.ndim() == 4 && t.dtype() == DType::kFloat32; }

std::vector<Snapshot> snapshot(const std::vector<nn::NamedTensorList>& models) {
  std::vector<Snapshot> out(models.size());
  for (size_t m = 0; m < models.size(); ++m)
    for (const auto& [name, t] : models[m]) out[m].push_back(t.clone());
  return out;
}

// Blends tensor `dst` (of the network being grafted) with `scion` element by element.
template <class T, class Blend>
void blend_elements(Tensor& dst, const Tensor& self, const Tensor& scion, FgBlendWeights w, Blend blend) {
  T* d = dst.data<T>();
  const T* x = self.data<T>();
  const T* s = scion.data<T>();
  for (int64_t i = 0; i < dst.numel(); ++i) d[i] = static_cast<T>(blend(x[i], s[i], w));
}

void blend_tensor(Tensor& dst, const Tensor& self, const Tensor& scion, FgBlendWeights w) {
  switch (dst.dtype()) {
    case DType::kFloat32: blend_elements<float>(dst, self, scion, w, fg_blend); break;
    case DType::kInt64: blend_elements<int64_t>(dst, self, scion, w, fg_blend_counter); break;
    case DType::kInt32: blend_elements<int32_t>(dst, self, scion, w, fg_blend_counter); break;
  }
}

// Spec 2.4 (entropy) or 2.7 (whole-layer L1: the filters' norms summed in double, in filter order,
// rounded to float as the code's float32 torch.norm is).
float criterion(const Tensor& w, FgCriterion c) {
  const float* x = w.data<float>();
  if (c == FgCriterion::kEntropy) return tensor_entropy(x, w.numel());
  const int64_t len = w.numel() / w.dim(0);
  double sum = 0;
  for (int64_t f = 0; f < w.dim(0); ++f) sum += filter_norm_l1_plain(x + f * len, len);
  return static_cast<float>(sum);
}

// External scions: §2.1 (ring, simultaneous), 2.3 (groups), 2.4-2.5 (criterion, alpha).
void external(const std::vector<nn::NamedTensorList>& models, const FgOptions& o, FgReport& r) {
  const std::vector<Snapshot> snap = snapshot(models);
  const int n = static_cast<int>(models.size());
  for (int m = 0; m < n; ++m) {
    std::vector<float>& values = r.criterion_value[static_cast<size_t>(m)];
    size_t g = 0;
    for (const Tensor& t : snap[static_cast<size_t>(m)])
      if (is_conv_weight(t)) values[g++] = criterion(t, o.criterion);
  }
  for (int m = 0; m < n; ++m) {
    const size_t self = static_cast<size_t>(m), prev = static_cast<size_t>((m + n - 1) % n);
    for (size_t g = 0; g < r.groups.size(); ++g) {
      const double delta = static_cast<double>(r.criterion_value[self][g]) - r.criterion_value[prev][g];
      r.alpha[self][g] = fg_alpha(delta, o);
      r.skipped += fg_skipped(r.alpha[self][g]) ? 1 : 0;
    }
    int group = -1;  // tensors before the first conv weight take the first group's alpha
    for (size_t i = 0; i < models[self].size(); ++i) {
      Tensor dst = models[self][i].second;
      const bool conv = is_conv_weight(dst);
      group += conv ? 1 : 0;
      if (o.scope == FgScope::kConvOnly && !conv) continue;
      const FgBlendWeights w = fg_blend_weights(r.alpha[self][static_cast<size_t>(std::max(group, 0))]);
      blend_tensor(dst, snap[self][i], snap[prev][i], w);
    }
  }
}

// Noise scions (§2.7): W[j] += eps sigma_t for conv filters with plain L1 below theta.
void noise(const std::vector<nn::NamedTensorList>& models, const FgOptions& o, int epoch, uint64_t seed,
           FgReport& r) {
  const float theta = static_cast<float>(o.noise_threshold);
  const float sigma = static_cast<float>(std::pow(o.noise_decay, epoch));
  for (size_t m = 0; m < models.size(); ++m) {
    uint32_t conv = 0;
    for (const auto& [name, t] : models[m]) {
      if (!is_conv_weight(t)) continue;
      const int64_t len = t.numel() / t.dim(0);
      for (int64_t f = 0; f < t.dim(0); ++f) {
        float* p = t.data<float>() + f * len;
        if (!(filter_norm_l1_plain(p, len) < theta)) continue;
        for (int64_t e = 0; e < len; ++e) {
          const uint32_t element = static_cast<uint32_t>(f * len + e);
          const float z = fg_noise_normal(seed, static_cast<uint32_t>(epoch), static_cast<uint32_t>(m), conv, element);
          p[e] = p[e] + z * sigma;
        }
        ++r.rewritten_filters[m];
      }
      ++conv;
    }
  }
}

// Internal scions (§2.7): filters in ascending (L1, index) order; while the j-th smallest is
// below theta, it receives the j-th largest, in place and in order (past the middle the sources
// are filters rewritten earlier in the loop).
void internal(const std::vector<nn::NamedTensorList>& models, const FgOptions& o, FgReport& r) {
  const float theta = static_cast<float>(o.internal_threshold);
  for (size_t m = 0; m < models.size(); ++m) {
    for (const auto& [name, t] : models[m]) {
      if (!is_conv_weight(t)) continue;
      const int64_t n = t.dim(0), len = t.numel() / n;
      float* x = t.data<float>();
      std::vector<uint32_t> key(static_cast<size_t>(n));
      for (int64_t f = 0; f < n; ++f)
        key[static_cast<size_t>(f)] = magnitude_key(filter_norm_l1_plain(x + f * len, len));
      std::vector<int64_t> order(static_cast<size_t>(n));
      for (int64_t f = 0; f < n; ++f) order[static_cast<size_t>(f)] = f;
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t a, int64_t b) { return key[static_cast<size_t>(a)] < key[static_cast<size_t>(b)]; });
      for (int64_t j = 0; j < n; ++j) {
        float* target = x + order[static_cast<size_t>(j)] * len;
        if (!(filter_norm_l1_plain(target, len) < theta)) break;  // the current norm, as cfa3611's loop
        const float* source = x + order[static_cast<size_t>(n - 1 - j)] * len;
        for (int64_t e = 0; e < len; ++e) target[e] = target[e] + source[e];
        ++r.rewritten_filters[m];
      }
    }
  }
}

// Filter-level grafting (§2.7, last item, rebuilt from its description): channel c of a BN
// keeps w_c = |g_c| / (|g_c| + |g'_c|) of itself (g' the predecessor's gamma); a conv element
// (o, j) keeps w_own[o] w_input[channel of j] (1 where no BN describes that side).
void filter_level(const FgLayout& layout, const std::vector<nn::NamedTensorList>& models, FgReport& r) {
  const std::vector<Snapshot> snap = snapshot(models);
  const int n = static_cast<int>(models.size());
  for (const FgGroup& g : layout.groups()) r.convs_without_input_bn += g.input_bn < 0 ? 1 : 0;
  for (int m = 0; m < n; ++m) {
    const size_t self = static_cast<size_t>(m), prev = static_cast<size_t>((m + n - 1) % n);
    std::vector<std::vector<float>> w(layout.bns().size());
    double sum = 0;
    int64_t counted = 0;
    for (size_t l = 0; l < layout.bns().size(); ++l) {
      const FgBn& bn = layout.bns()[l];
      const float* gs = snap[self][static_cast<size_t>(bn.weight)].data<float>();
      const float* gp = snap[prev][static_cast<size_t>(bn.weight)].data<float>();
      for (int64_t c = 0; c < bn.channels; ++c) {
        const float den = std::fabs(gs[c]) + std::fabs(gp[c]);
        const bool ok = den > 0.0f && std::isfinite(den);
        w[l].push_back(ok ? std::fabs(gs[c]) / den : 1.0f);
        r.skipped += ok ? 0 : 1;
        sum += ok ? w[l].back() : 0.0;
        counted += ok ? 1 : 0;
      }
      for (int member : {bn.weight, bn.bias, bn.running_mean, bn.running_var}) {
        float* dst = models[self][static_cast<size_t>(member)].second.data<float>();
        const float* xs = snap[self][static_cast<size_t>(member)].data<float>();
        const float* xp = snap[prev][static_cast<size_t>(member)].data<float>();
        for (int64_t c = 0; c < bn.channels; ++c) dst[c] = fg_blend(xs[c], xp[c], {w[l][c], 1.0f - w[l][c]});
      }
    }
    r.mean_channel_weight[self] = counted ? sum / static_cast<double>(counted) : 1.0;
    for (const FgGroup& g : layout.groups()) {
      float* dst = models[self][static_cast<size_t>(g.conv)].second.data<float>();
      const float* xs = snap[self][static_cast<size_t>(g.conv)].data<float>();
      const float* xp = snap[prev][static_cast<size_t>(g.conv)].data<float>();
      for (int64_t o = 0; o < g.n_filters; ++o) {
        for (int64_t j = 0; j < g.in_per_group; ++j) {
          const int64_t channel = (o / g.out_per_group) * g.in_per_group + j;
          const float a = g.input_bn >= 0 ? w[static_cast<size_t>(g.input_bn)][static_cast<size_t>(channel)] : 1.0f;
          const float b = g.own_bn >= 0 ? w[static_cast<size_t>(g.own_bn)][static_cast<size_t>(o)] : 1.0f;
          const float we = a * b;
          for (int64_t k = 0; k < g.kernel_size; ++k) {
            const int64_t i = (o * g.in_per_group + j) * g.kernel_size + k;
            dst[i] = fg_blend(xs[i], xp[i], {we, 1.0f - we});
          }
        }
      }
    }
  }
}

}  // namespace

FgReport fg_reference_step(const FgLayout& layout, const std::vector<nn::NamedTensorList>& models,
                           const FgOptions& o, int epoch, uint64_t seed) {
  validate_fg_options(o);
  REVIVE_CHECK(static_cast<int>(models.size()) == o.models,
               "FG reference: " << models.size() << " networks given, the options say " << o.models);
  for (const auto& model : models) {
    REVIVE_CHECK(model.size() == layout.tensors().size(), "FG reference: a network's state dict has "
                                                              << model.size() << " entries, the layout "
                                                              << layout.tensors().size());
    for (const auto& [name, t] : model)
      REVIVE_CHECK(t.device().is_cpu() && t.is_plain(), "FG reference: " << name << " must be a plain CPU tensor");
  }
  const StepClock clock;
  std::vector<std::string> names;
  for (const FgGroup& g : layout.groups()) names.push_back(layout.tensors()[static_cast<size_t>(g.conv)].name);
  FgReport r;
  r.reset(epoch, o, names);
  switch (o.variant) {
    case FgVariant::kExternal: external(models, o, r); break;
    case FgVariant::kNoise: noise(models, o, epoch, seed, r); break;
    case FgVariant::kInternal: internal(models, o, r); break;
    case FgVariant::kFilter: filter_level(layout, models, r); break;
  }
  r.elapsed_us = clock.elapsed_us();
  return r;
}

}  // namespace revive
