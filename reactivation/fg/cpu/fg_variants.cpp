// The variants of §2.7 on the CPU: noise and internal scions (each network on
// its own) and filter-level grafting (BN-gamma coefficients, ring order). reference.cpp states each
// one plainly; these run the same arithmetic in parallel over (network, conv) or over tensors.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "reactivation/fg/cpu/fg_cpu_parts.h"
#include "reactivation/fg/fg_coefficient.h"
#include "reactivation/fg/fg_noise.h"
#include "reactivation/order_keys.h"

namespace revive::fg_cpu {
namespace {

float* tensor_data(const FgTensor& t, const FgNetwork& net) {
  return t.offset >= 0 ? net.arena + t.offset : static_cast<float*>(net.buffers[static_cast<size_t>(t.buffer)]);
}

// Sums per-task counts into one count per network (tasks are network-major: t / per_model).
void add_counts(const std::vector<int64_t>& task_counts, int per_model, std::vector<int64_t>& per_net) {
  for (size_t t = 0; t < task_counts.size(); ++t) per_net[t / static_cast<size_t>(per_model)] += task_counts[t];
}

}  // namespace

void noise_step(const FgLayout& L, const std::vector<FgNetwork>& nets, const FgOptions& o, int epoch, uint64_t seed,
                const std::vector<float>& l1, FgReport& r) {
  const float theta = static_cast<float>(o.noise_threshold);
  const float sigma = static_cast<float>(std::pow(o.noise_decay, epoch));
  const int n_groups = L.n_groups(), tasks = n_groups * static_cast<int>(nets.size());
  std::vector<int64_t> rewritten(static_cast<size_t>(tasks), 0);
#pragma omp parallel for schedule(dynamic)
  for (int t = 0; t < tasks; ++t) {
    const int m = t / n_groups, gi = t % n_groups;
    const FgGroup& g = L.groups()[static_cast<size_t>(gi)];
    const float* norms = l1.data() + static_cast<size_t>(m) * static_cast<size_t>(L.n_filters()) + g.first_filter;
    for (int32_t f = 0; f < g.n_filters; ++f) {
      if (!(norms[f] < theta)) continue;
      float* p = nets[static_cast<size_t>(m)].arena + g.offset + static_cast<int64_t>(f) * g.filter_len;
      const uint32_t first = static_cast<uint32_t>(f) * static_cast<uint32_t>(g.filter_len);
      for (int32_t e = 0; e < g.filter_len; ++e)
        p[e] = p[e] + fg_noise_normal(seed, static_cast<uint32_t>(epoch), static_cast<uint32_t>(m),
                                      static_cast<uint32_t>(gi), first + static_cast<uint32_t>(e)) * sigma;
      ++rewritten[static_cast<size_t>(t)];
    }
  }
  add_counts(rewritten, n_groups, r.rewritten_filters);
}

void internal_step(const FgLayout& L, const std::vector<FgNetwork>& nets, const FgOptions& o,
                   const std::vector<float>& l1, FgReport& r) {
  const float theta = static_cast<float>(o.internal_threshold);
  const int n_groups = L.n_groups(), tasks = n_groups * static_cast<int>(nets.size());
  std::vector<int64_t> rewritten(static_cast<size_t>(tasks), 0);
#pragma omp parallel for schedule(dynamic)
  for (int t = 0; t < tasks; ++t) {
    const int m = t / n_groups;
    const FgGroup& g = L.groups()[static_cast<size_t>(t % n_groups)];
    const float* norms = l1.data() + static_cast<size_t>(m) * static_cast<size_t>(L.n_filters()) + g.first_filter;
    std::vector<uint64_t> order(static_cast<size_t>(g.n_filters));  // (key, index): a stable ascending order
    for (int32_t f = 0; f < g.n_filters; ++f)
      order[static_cast<size_t>(f)] = ascending_order_key(magnitude_key(norms[f]), static_cast<uint32_t>(f));
    std::sort(order.begin(), order.end());
    float* x = nets[static_cast<size_t>(m)].arena + g.offset;
    for (int32_t j = 0; j < g.n_filters; ++j) {
      // The target has not been written yet (only earlier targets have), so its norm is its
      // pre-step one: the current norm cfa3611's loop tests.
      const uint32_t target = order_key_index(order[static_cast<size_t>(j)]);
      if (!(norms[target] < theta)) break;
      const uint32_t source = order_key_index(order[static_cast<size_t>(g.n_filters - 1 - j)]);
      float* dst = x + static_cast<int64_t>(target) * g.filter_len;
      const float* src = x + static_cast<int64_t>(source) * g.filter_len;
      for (int32_t e = 0; e < g.filter_len; ++e) dst[e] = dst[e] + src[e];
      ++rewritten[static_cast<size_t>(t)];
    }
  }
  add_counts(rewritten, n_groups, r.rewritten_filters);
}

void filter_step(const FgLayout& L, const std::vector<FgNetwork>& nets, FgReport& r) {
  const int n = static_cast<int>(nets.size());
  const std::vector<FgBn>& bns = L.bns();
  // Every network's channel coefficients from the pre-graft gammas, before anything is written.
  std::vector<int64_t> first_channel(bns.size() + 1, 0);
  for (size_t l = 0; l < bns.size(); ++l) first_channel[l + 1] = first_channel[l] + bns[l].channels;
  const size_t n_channels = static_cast<size_t>(first_channel.back());
  std::vector<float> w(n_channels * static_cast<size_t>(n));
  std::vector<uint8_t> ok(w.size());
  for (int m = 0; m < n; ++m) {
    const size_t self = static_cast<size_t>(m), prev = static_cast<size_t>((m + n - 1) % n);
    for (size_t l = 0; l < bns.size(); ++l) {
      const FgTensor& gamma = L.tensors()[static_cast<size_t>(bns[l].weight)];
      const float* gs = tensor_data(gamma, nets[self]);
      const float* gp = tensor_data(gamma, nets[prev]);
      for (int64_t c = 0; c < bns[l].channels; ++c) {
        const size_t i = self * n_channels + static_cast<size_t>(first_channel[l] + c);
        const float den = std::fabs(gs[c]) + std::fabs(gp[c]);
        ok[i] = den > 0.0f && std::isfinite(den) ? 1 : 0;
        w[i] = ok[i] ? std::fabs(gs[c]) / den : 1.0f;
      }
    }
    fg_channel_summary(w.data() + self * n_channels, ok.data() + self * n_channels, static_cast<int64_t>(n_channels),
                       m, r);
  }
  for (const FgGroup& g : L.groups()) r.convs_without_input_bn += g.input_bn < 0 ? 1 : 0;
  const auto coefficient = [&](int m, int bn, int64_t channel) {
    if (bn < 0) return 1.0f;
    return w[static_cast<size_t>(m) * n_channels + static_cast<size_t>(first_channel[static_cast<size_t>(bn)] + channel)];
  };

  const int n_bn_tasks = static_cast<int>(bns.size()) * 4, tasks = n_bn_tasks + L.n_groups();
#pragma omp parallel for schedule(dynamic)
  for (int t = 0; t < tasks; ++t) {
    std::vector<float*> x(static_cast<size_t>(n));
    if (t < n_bn_tasks) {  // one BN tensor: channel c keeps w_c of itself
      const FgBn& bn = bns[static_cast<size_t>(t / 4)];
      const int members[4] = {bn.weight, bn.bias, bn.running_mean, bn.running_var};
      const FgTensor& tensor = L.tensors()[static_cast<size_t>(members[t % 4])];
      for (int m = 0; m < n; ++m) x[static_cast<size_t>(m)] = tensor_data(tensor, nets[static_cast<size_t>(m)]);
      for (int64_t c = 0; c < bn.channels; ++c) {
        float prev = x[static_cast<size_t>(n - 1)][c];
        for (int m = 0; m < n; ++m) {
          const float cur = x[static_cast<size_t>(m)][c], wc = coefficient(m, t / 4, c);
          x[static_cast<size_t>(m)][c] = fg_blend(cur, prev, {wc, 1.0f - wc});
          prev = cur;
        }
      }
      continue;
    }
    // One conv weight: element (o, j, k) keeps w_own[o] w_input[channel of j] of itself.
    const FgGroup& g = L.groups()[static_cast<size_t>(t - n_bn_tasks)];
    for (int m = 0; m < n; ++m) x[static_cast<size_t>(m)] = nets[static_cast<size_t>(m)].arena + g.offset;
    for (int32_t o = 0; o < g.n_filters; ++o) {
      for (int32_t j = 0; j < g.in_per_group; ++j) {
        const int64_t channel = static_cast<int64_t>(o / g.out_per_group) * g.in_per_group + j;
        const int64_t base = (static_cast<int64_t>(o) * g.in_per_group + j) * g.kernel_size;
        for (int32_t k = 0; k < g.kernel_size; ++k) {
          float prev = x[static_cast<size_t>(n - 1)][base + k];
          for (int m = 0; m < n; ++m) {
            const float cur = x[static_cast<size_t>(m)][base + k];
            const float we = coefficient(m, g.input_bn, channel) * coefficient(m, g.own_bn, o);
            x[static_cast<size_t>(m)][base + k] = fg_blend(cur, prev, {we, 1.0f - we});
            prev = cur;
          }
        }
      }
    }
  }
}

}  // namespace revive::fg_cpu
