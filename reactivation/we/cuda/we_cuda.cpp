// we_apply_cuda (reactivation/we/we_cuda.h): the workspace (the filter table's device copy and the
// step's scratch, allocated once on the arena's device) and the host side of a step: its host
// values, the five stages' launches on the caller's stream, and the one read-back of the counts at
// the end.
#include "reactivation/we/we_cuda.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "kernels/cuda/runtime.h"
#include "reactivation/cuda/device_arrays.h"
#include "reactivation/cuda/filter_norms_cuda.h"
#include "reactivation/we/cuda/we_device.h"
#include "reactivation/we/we_crossover.h"

namespace revive {

static_assert(static_cast<int>(ReactivatableKind::kConvWeight) == we_cuda::kConvPool, "pools are indexed by kind");
static_assert(kNumReactivatableKinds == we_cuda::kPools, "one pool per kind");
static_assert(kWeBlockSortCapacity == we_cuda::kOrderBlockCapacity, "the block sort's tile");

const char* we_cuda_sort_name(WeCudaSort sort) {
  switch (sort) {
    case WeCudaSort::kBlock: return "block";
    case WeCudaSort::kDeviceSegmented: return "device_segmented";
  }
  return "unknown";
}

struct WeCudaWorkspace::Impl {
  FilterTable table;
  Device device;
  WeCudaSort sort = WeCudaSort::kBlock;
  reactivation_cuda::DeviceArrays arrays;  // every device array below
  we_cuda::DeviceTable device_table;
  we_cuda::DeviceScratch scratch;
  we_cuda::Counts counts{};  // the host copy

  template <class T>
  T* allocate(size_t n) {
    return arrays.allocate<T>(n);
  }
  template <class T>
  const T* upload(const std::vector<T>& values, cudaStream_t stream) {
    return arrays.upload(values, stream);
  }
  // The device's stream for a null handle; binds the calling thread to the device either way.
  cudaStream_t stream_of(StreamHandle h) const {
    const cudaStream_t own = kernels::cuda::device_stream(device.index).get();
    return h.native != nullptr ? static_cast<cudaStream_t>(h.native) : own;
  }
};

WeCudaWorkspace::WeCudaWorkspace(const FilterTable& table, Device device, WeCudaSort sort)
    : impl_(std::make_unique<Impl>()) {
  REVIVE_CHECK(device.is_cuda(), "WE on CUDA: the workspace is for a CUDA device, got " << device.str());
  kernels::use_device(device);
  Impl& m = *impl_;
  m.table = table;
  m.device = device;
  const cudaStream_t stream = m.stream_of({});
  const FilterTableLayers& L = table.layers();
  const FilterTableFilters& F = table.filters();
  we_cuda::DeviceTable& d = m.device_table;
  d.n_layers = table.n_layers();
  d.n_filters = static_cast<int32_t>(table.n_filters());
  d.max_layer_filters = L.n_filters.empty() ? 0 : *std::max_element(L.n_filters.begin(), L.n_filters.end());
  while ((int64_t{1} << d.order_index_bits) <= d.max_layer_filters) ++d.order_index_bits;
  std::vector<uint8_t> kind(L.kind.size());
  std::transform(L.kind.begin(), L.kind.end(), kind.begin(), [](ReactivatableKind k) { return static_cast<uint8_t>(k); });
  std::vector<int32_t> pool_filter;
  for (int k = 0; k < we_cuda::kPools; ++k) {
    d.pool_begin[k] = static_cast<int32_t>(pool_filter.size());
    for (int l = 0; l < table.n_layers(); ++l)
      if (kind[l] == k)
        for (int32_t f = L.first_filter[l]; f < L.first_filter[l + 1]; ++f) pool_filter.push_back(f);
  }
  d.pool_begin[we_cuda::kPools] = static_cast<int32_t>(pool_filter.size());
  d.kind = m.upload(kind, stream);
  d.layer_filters = m.upload(L.n_filters, stream);
  d.filter_len = m.upload(L.filter_len, stream);
  d.n_slices = m.upload(L.n_slices, stream);
  d.slice_len = m.upload(L.slice_len, stream);
  d.kernel_h = m.upload(L.kernel_h, stream);
  d.groups = m.upload(L.groups, stream);
  d.divisor = m.upload(L.divisor, stream);
  d.first_filter = m.upload(L.first_filter, stream);
  d.filter_layer = m.upload(F.layer, stream);
  d.filter_offset = m.upload(F.offset, stream);
  d.pool_filter = m.upload(pool_filter, stream);

  we_cuda::DeviceScratch& s = m.scratch;
  const size_t n_filters = static_cast<size_t>(d.n_filters), n_layers = static_cast<size_t>(d.n_layers);
  s.l1 = m.allocate<float>(n_filters);
  s.importance = m.allocate<float>(n_filters);
  s.threshold = m.allocate<uint64_t>(we_cuda::kPools);
  s.n_tbd = m.allocate<int32_t>(n_layers);
  s.n_ri = m.allocate<int32_t>(n_layers);
  s.ri_bound = m.allocate<uint64_t>(n_layers);
  s.selection = m.allocate<WeLayerSelection>(n_layers);
  s.pair_offset = m.allocate<int32_t>(n_layers + 1);
  s.dominant = m.allocate<int32_t>(n_filters / 2);  // a layer pairs at most half its filters
  s.inferior = m.allocate<int32_t>(n_filters / 2);
  s.counts = m.allocate<we_cuda::Counts>(1);
  m.sort = sort == WeCudaSort::kBlock && d.max_layer_filters > kWeBlockSortCapacity ? WeCudaSort::kDeviceSegmented
                                                                                     : sort;
  if (m.sort == WeCudaSort::kDeviceSegmented) {
    s.keys_in = m.allocate<uint64_t>(n_filters);
    s.keys_out = m.allocate<uint64_t>(n_filters);
    s.sort_temp_bytes = we_cuda::order_segmented_temp_bytes(d);
    s.sort_temp = m.allocate<char>(s.sort_temp_bytes);
  }
  // The uploads read host vectors that die with this constructor.
  REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream));
}

WeCudaWorkspace::~WeCudaWorkspace() = default;

WeCudaSort WeCudaWorkspace::sort() const { return impl_->sort; }
Device WeCudaWorkspace::device() const { return impl_->device; }

namespace {

we_cuda::StepParams step_params(const FilterTable& table, const WeOptions& o, const WeReport& report,
                                const WeState& state) {
  we_cuda::StepParams p;
  p.selection = o.selection;
  p.matching = o.matching;
  p.level = o.level;
  p.filter_level_blend = o.filter_level_blend;
  p.blend = we_blend_params(o);
  p.ri_inclusive = o.ri_inclusive;
  p.group_aware_ri = o.group_aware_ri;
  p.lambda = static_cast<float>(o.ri_threshold);
  p.fallback_period = we_fallback_period(table, o);
  for (int k = 0; k < we_cuda::kPools; ++k) {
    p.enabled[k] = report.pools[k].enabled;
    p.threshold_rank[k] = report.pools[k].threshold_rank;
    p.fallback_counter[k] = state.fallback_counter[k];
  }
  for (size_t i = 0; i < kWeDeadThresholds.size(); ++i) p.dead_threshold[i] = kWeDeadThresholds[i];
  return p;
}

template <class T>
void download(std::vector<T>& out, const T* device, size_t n, cudaStream_t stream) {
  out.resize(n);
  if (n > 0) REVIVE_CUDA_CHECK(cudaMemcpyAsync(out.data(), device, n * sizeof(T), cudaMemcpyDeviceToHost, stream));
}

}  // namespace

WeReport we_enqueue_cuda(const FilterTable& table, float* arena, int64_t arena_numel, const WeOptions& o, int epoch,
                         const std::vector<int>& stage_boundaries, const WeState& state, WeCudaWorkspace& workspace,
                         StreamHandle stream_handle) {
  WeReport report = we_plan_step(table, arena, arena_numel, o, epoch, stage_boundaries);
  WeCudaWorkspace::Impl& m = workspace.impl();
  const FilterTableLayers& mine = m.table.layers();
  REVIVE_CHECK(table.arena_numel() == m.table.arena_numel() && table.layers().offset == mine.offset &&
                   table.layers().first_filter == mine.first_filter && table.layers().filter_len == mine.filter_len,
               "WE on CUDA: the workspace was built for another filter table (" << m.table.n_layers() << " layers, "
                                                                               << m.table.n_filters() << " filters)");
  const we_cuda::StepParams p = step_params(table, o, report, state);
  const we_cuda::DeviceTable& d = m.device_table;
  const we_cuda::DeviceScratch& s = m.scratch;
  const cudaStream_t stream = m.stream_of(stream_handle);
  REVIVE_CUDA_CHECK(cudaMemsetAsync(s.counts, 0, sizeof(we_cuda::Counts), stream));
  REVIVE_CUDA_CHECK(cudaMemsetAsync(s.threshold, 0, we_cuda::kPools * sizeof(uint64_t), stream));
  reactivation_cuda::launch_filter_norm_l1(d.n_filters, d.filter_layer, d.filter_offset, d.filter_len, d.divisor, arena,
                                           s.l1, s.importance, stream);
  we_cuda::launch_thresholds(d, p, s, stream);
  we_cuda::launch_layer_select(d, p, s, stream);
  if (m.sort == WeCudaSort::kBlock) {
    we_cuda::launch_order_block(d, p, s, stream);
  } else {
    we_cuda::launch_order_segmented(d, p, s, stream);
  }
  we_cuda::launch_crossover(d, p, arena, s, stream);
  return report;
}

void we_finish_cuda(WeReport& report, WeState& state, WeCudaWorkspace& workspace, StreamHandle stream_handle) {
  WeCudaWorkspace::Impl& m = workspace.impl();
  const cudaStream_t stream = m.stream_of(stream_handle);
  REVIVE_CUDA_CHECK(
      cudaMemcpyAsync(&m.counts, m.scratch.counts, sizeof(we_cuda::Counts), cudaMemcpyDeviceToHost, stream));
  REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream));
  const we_cuda::Counts& c = m.counts;
  for (int k = 0; k < we_cuda::kPools; ++k) {
    WePoolReport& pool = report.pools[k];
    pool.candidates = c.candidates[k];
    pool.inferior = c.inferior[k];
    pool.pairs = c.pairs[k];
    pool.fallback_forced = c.fallback_forced[k];
    pool.crossover.updated_elements = static_cast<int64_t>(c.crossover[k][0]);
    pool.crossover.skipped_zero_denominator = static_cast<int64_t>(c.crossover[k][1]);
    pool.crossover.skipped_non_finite = static_cast<int64_t>(c.crossover[k][2]);
    state.fallback_counter[k] = c.fallback_counter[k];
  }
  const int64_t n_conv = m.table.n_filters_of(ReactivatableKind::kConvWeight);
  for (size_t i = 0; i < kWeDeadThresholds.size(); ++i)
    report.conv_fraction_below[i] = n_conv ? static_cast<double>(c.conv_below[i]) / static_cast<double>(n_conv) : 0.0;
}

WeReport we_apply_cuda(const FilterTable& table, float* arena, int64_t arena_numel, const WeOptions& options,
                       int epoch, const std::vector<int>& stage_boundaries, WeState& state,
                       WeCudaWorkspace& workspace, StreamHandle stream) {
  const auto t0 = std::chrono::steady_clock::now();
  WeReport report =
      we_enqueue_cuda(table, arena, arena_numel, options, epoch, stage_boundaries, state, workspace, stream);
  we_finish_cuda(report, state, workspace, stream);
  report.elapsed_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

WeCudaTrace we_cuda_trace(const WeCudaWorkspace& workspace, StreamHandle stream_handle) {
  const WeCudaWorkspace::Impl& m = workspace.impl();
  const we_cuda::DeviceTable& d = m.device_table;
  const we_cuda::DeviceScratch& s = m.scratch;
  const cudaStream_t stream = m.stream_of(stream_handle);
  WeCudaTrace trace;
  int32_t n_pairs = 0;
  REVIVE_CUDA_CHECK(cudaMemcpyAsync(&n_pairs, s.pair_offset + d.n_layers, sizeof n_pairs, cudaMemcpyDeviceToHost, stream));
  REVIVE_CUDA_CHECK(cudaMemcpyAsync(trace.threshold.data(), s.threshold, sizeof trace.threshold,
                                    cudaMemcpyDeviceToHost, stream));
  download(trace.l1, s.l1, static_cast<size_t>(d.n_filters), stream);
  download(trace.importance, s.importance, static_cast<size_t>(d.n_filters), stream);
  download(trace.selection, s.selection, static_cast<size_t>(d.n_layers), stream);
  REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream));
  download(trace.pairs.dominant, s.dominant, static_cast<size_t>(n_pairs), stream);
  download(trace.pairs.inferior, s.inferior, static_cast<size_t>(n_pairs), stream);
  REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream));
  return trace;
}

}  // namespace revive
