// kr_apply_cuda (reactivation/kr/kr_cuda.h): the workspace (the filter table's device copy with
// KR's scope, and the step's scratch, allocated once) and the host side of a step: its host
// values, the three stages' launches on the process stream, and the one read-back of the counts.
#include "reactivation/kr/kr_cuda.h"

#include <algorithm>

#include "core/error.h"
#include "kernels/cuda/runtime.h"
#include "reactivation/cuda/device_arrays.h"
#include "reactivation/cuda/filter_norms_cuda.h"
#include "reactivation/kr/cuda/kr_device.h"
#include "reactivation/kr/kr_math.h"
#include "reactivation/step_clock.h"

namespace revive {

static_assert(static_cast<int>(ReactivatableKind::kConvWeight) == 0, "kr_select.cu's kConvKind");
static_assert(kDeadFilterThresholds.size() == 3, "kr_cuda::Counts::conv_below");

struct KrCudaWorkspace::Impl {
  FilterTable table;
  KrOptions options;  // the scope's options: skip_1x1, rank_depthwise, avg_l1_divisor
  reactivation_cuda::DeviceArrays arrays;
  kr_cuda::DeviceTable device;
  kr_cuda::DeviceScratch scratch;
  kr_cuda::Counts counts{};  // the host copy
};

KrCudaWorkspace::KrCudaWorkspace(const FilterTable& table, const KrOptions& options)
    : impl_(std::make_unique<Impl>()) {
  kernels::use_device(Device::cuda());
  Impl& m = *impl_;
  m.table = table;
  m.options = options;
  const FilterTableLayers& L = table.layers();
  const FilterTableFilters& F = table.filters();
  cudaStream_t stream = kernels::cuda::stream();
  // The host arrays live until the synchronisation at the end.
  std::vector<uint8_t> kind(L.kind.size());
  std::transform(L.kind.begin(), L.kind.end(), kind.begin(),
                 [](ReactivatableKind k) { return static_cast<uint8_t>(k); });
  std::vector<float> c1_divisor(L.kind.size(), 0.0f);
  std::vector<int32_t> pool_filter, scope_layer;
  std::vector<int64_t> pool_kappa_offset;
  int64_t n_kernels = 0;
  for (int l = 0; l < table.n_layers(); ++l) {
    if (!kr_layer_takes_part(table, l, options)) continue;
    c1_divisor[l] = kr_average_l1_divisor(table, l, options);
    scope_layer.push_back(l);
    for (int32_t f = L.first_filter[l]; f < L.first_filter[l + 1]; ++f) {
      pool_filter.push_back(f);
      pool_kappa_offset.push_back(n_kernels);
      n_kernels += L.n_slices[l];
    }
  }
  kr_cuda::DeviceTable& d = m.device;
  d.n_layers = table.n_layers();
  d.n_filters = static_cast<int32_t>(table.n_filters());
  d.kind = m.arrays.upload(kind, stream);
  d.filter_len = m.arrays.upload(L.filter_len, stream);
  d.divisor = m.arrays.upload(L.divisor, stream);
  d.c1_divisor = m.arrays.upload(c1_divisor, stream);
  d.n_slices = m.arrays.upload(L.n_slices, stream);
  d.slice_len = m.arrays.upload(L.slice_len, stream);
  d.first_filter = m.arrays.upload(L.first_filter, stream);
  d.filter_layer = m.arrays.upload(F.layer, stream);
  d.filter_offset = m.arrays.upload(F.offset, stream);
  d.n_pool = static_cast<int32_t>(pool_filter.size());
  d.pool_filter = m.arrays.upload(pool_filter, stream);
  d.pool_kappa_offset = m.arrays.upload(pool_kappa_offset, stream);
  d.n_scope_layers = static_cast<int32_t>(scope_layer.size());
  d.scope_layer = m.arrays.upload(scope_layer, stream);

  kr_cuda::DeviceScratch& s = m.scratch;
  const size_t n_filters = static_cast<size_t>(d.n_filters);
  s.l1 = m.arrays.allocate<float>(n_filters);
  s.importance = m.arrays.allocate<float>(n_filters);
  s.c1_bound = m.arrays.allocate<uint64_t>(1);
  s.c2_bound = m.arrays.allocate<uint64_t>(static_cast<size_t>(d.n_layers));
  s.invalid = m.arrays.allocate<uint8_t>(pool_filter.size());
  s.kappa = m.arrays.allocate<float>(static_cast<size_t>(n_kernels));
  s.counts = m.arrays.allocate<kr_cuda::Counts>(1);
  REVIVE_CUDA_CHECK(cudaMemsetAsync(s.c2_bound, 0, static_cast<size_t>(d.n_layers) * sizeof(uint64_t), stream));
  REVIVE_CUDA_CHECK(cudaMemsetAsync(s.invalid, 0, pool_filter.size(), stream));
  REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream));
}

KrCudaWorkspace::~KrCudaWorkspace() = default;

KrReport kr_apply_cuda(const FilterTable& table, float* arena, int64_t arena_numel, const KrOptions& o,
                       const ReactivationContext& ctx, KrState& state, KrCudaWorkspace& workspace) {
  StepClock clock;
  KrReport report = kr_plan_step(table, arena, arena_numel, o, ctx, state);
  KrCudaWorkspace::Impl& m = workspace.impl();
  const FilterTableLayers& mine = m.table.layers();
  REVIVE_CHECK(table.arena_numel() == m.table.arena_numel() && table.layers().offset == mine.offset &&
                   table.layers().first_filter == mine.first_filter && table.layers().filter_len == mine.filter_len,
               "KR on CUDA: the workspace was built for another filter table (" << m.table.n_layers() << " layers, "
                                                                               << m.table.n_filters() << " filters)");
  REVIVE_CHECK(o.skip_1x1 == m.options.skip_1x1 && o.rank_depthwise == m.options.rank_depthwise &&
                   o.avg_l1_divisor == m.options.avg_l1_divisor,
               "KR on CUDA: the workspace was built for other values of skip_1x1, rank_depthwise or avg_l1_divisor");
  kr_cuda::StepParams p;
  p.applied = report.applied;
  p.c1_by_rank = o.alpha_mode == KrAlphaMode::kFraction;
  p.c1_rank = kr_c1_rank(o, report.filters);
  p.c1_bound = p.c1_by_rank ? 0 : kr_c1_threshold_bound(o);
  p.beta = o.beta;
  p.gamma = report.gamma;
  p.rounding = o.rounding;
  for (size_t i = 0; i < kDeadFilterThresholds.size(); ++i) p.dead_threshold[i] = kDeadFilterThresholds[i];

  const kr_cuda::DeviceTable& d = m.device;
  const kr_cuda::DeviceScratch& s = m.scratch;
  cudaStream_t stream = kernels::cuda::stream();
  REVIVE_CUDA_CHECK(cudaMemsetAsync(s.counts, 0, sizeof(kr_cuda::Counts), stream));
  reactivation_cuda::launch_filter_norm_l1(d.n_filters, d.filter_layer, d.filter_offset, d.filter_len, d.divisor,
                                           arena, s.l1, s.importance, stream);
  kr_cuda::launch_select(d, p, s, stream);
  if (report.applied) kr_cuda::launch_rescale(d, p, arena, s, stream);
  REVIVE_CUDA_CHECK(cudaMemcpyAsync(&m.counts, s.counts, sizeof(kr_cuda::Counts), cudaMemcpyDeviceToHost, stream));
  REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream));

  const kr_cuda::Counts& c = m.counts;
  const int64_t n_conv = m.table.n_filters_of(ReactivatableKind::kConvWeight);
  for (size_t i = 0; i < kDeadFilterThresholds.size(); ++i)
    report.conv_fraction_below[i] = n_conv ? static_cast<double>(c.conv_below[i]) / static_cast<double>(n_conv) : 0.0;
  if (report.applied) {
    for (int l = 0; l < table.n_layers(); ++l)
      if (kr_layer_takes_part(table, l, o))
        report.c2_filters += kr_count(o.beta, table.layers().n_filters[l], o.rounding);
    report.c1_filters = static_cast<int64_t>(c.c1_filters);
    report.invalid_filters = static_cast<int64_t>(c.invalid_filters);
    report.invalid_kernels = static_cast<int64_t>(c.invalid_kernels);
    report.rescaled_kernels = static_cast<int64_t>(c.rescaled);
    report.skipped_zero_norm = static_cast<int64_t>(c.zero_norm);
    report.skipped_non_finite = static_cast<int64_t>(c.non_finite);
    state.steps_applied = report.steps_applied;
  }
  report.elapsed_us = clock.elapsed_us();
  return report;
}

namespace {

template <class T>
std::vector<T> download(const T* device, size_t n, cudaStream_t stream) {
  std::vector<T> out(n);
  if (n > 0) REVIVE_CUDA_CHECK(cudaMemcpyAsync(out.data(), device, n * sizeof(T), cudaMemcpyDeviceToHost, stream));
  return out;
}

}  // namespace

KrCudaTrace kr_cuda_trace(const KrCudaWorkspace& workspace) {
  const KrCudaWorkspace::Impl& m = workspace.impl();
  const kr_cuda::DeviceTable& d = m.device;
  const kr_cuda::DeviceScratch& s = m.scratch;
  cudaStream_t stream = kernels::cuda::stream();
  KrCudaTrace trace;
  trace.l1 = download(s.l1, static_cast<size_t>(d.n_filters), stream);
  trace.importance = download(s.importance, static_cast<size_t>(d.n_filters), stream);
  trace.c2_bound = download(s.c2_bound, static_cast<size_t>(d.n_layers), stream);
  const std::vector<uint64_t> c1 = download(s.c1_bound, 1, stream);
  const std::vector<uint8_t> invalid = download(s.invalid, static_cast<size_t>(d.n_pool), stream);
  const std::vector<int32_t> pool = download(d.pool_filter, static_cast<size_t>(d.n_pool), stream);
  REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream));
  trace.c1_bound = c1[0];
  for (size_t i = 0; i < pool.size(); ++i)
    if (invalid[i]) trace.invalid_filters.push_back(pool[i]);
  return trace;
}

}  // namespace revive
