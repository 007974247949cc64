// fg_apply_cuda (reactivation/fg/fg_cuda.h): the workspace (the layout's tables on the device and
// the step's scratch, allocated once) and the host side of a step: the launches on the process
// stream, the one read-back of the counts, the coefficients on the host (the CPU's code), the blend.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "reactivation/step_clock.h"
#include "reactivation/cuda/device_arrays.h"
#include "reactivation/cuda/device_columns.h"
#include "kernels/cuda/runtime.h"
#include "reactivation/fg/cuda/fg_device.h"
#include "reactivation/fg/fg_coefficient.h"
#include "reactivation/fg/fg_cuda.h"

namespace revive {

namespace {

// Elements of an arena tile in the blend and of a filter-level tile.
constexpr int64_t kTileElements = 4096;

}  // namespace

struct FgCudaWorkspace::Impl {
  const FgLayout* layout = nullptr;
  int64_t layout_filters = 0;
  int n_models = 0;
  reactivation_cuda::DeviceArrays arrays;  // every device array below
  fg_cuda::DeviceLayout device;
  fg_cuda::DeviceScratch scratch;
  // Host copies: the storage pointers last uploaded, the counts read back, the weights sent.
  std::vector<float*> arenas;
  std::vector<void*> storage;
  float** d_arenas = nullptr;
  void** d_storage = nullptr;
  std::vector<unsigned long long> counts;
  std::vector<float> l1;
  std::vector<FgBlendWeights> weights;
  std::vector<float> channel_w;
  std::vector<uint8_t> channel_ok;
};

FgCudaWorkspace::FgCudaWorkspace(const FgLayout& L, int n_models) : impl_(std::make_unique<Impl>()) {
  kernels::use_device(Device::cuda());
  cudaStream_t stream = kernels::cuda::stream();
  Impl& w = *impl_;
  w.layout = &L;
  w.layout_filters = L.n_filters();
  w.n_models = n_models;
  fg_cuda::DeviceLayout& d = w.device;
  d.n_models = n_models;
  d.n_groups = L.n_groups();
  d.n_filters = L.n_filters();
  d.n_chunks = static_cast<int32_t>(L.chunks().size());
  // The layout's tables, column by column, in one copy.
  reactivation_cuda::DeviceColumns columns;
  const std::vector<FgGroup>& groups = L.groups();
  columns.add(&d.group_offset, groups, [](const FgGroup& g) { return g.offset; });
  columns.add(&d.group_first_filter, groups, [](const FgGroup& g) { return g.first_filter; });
  columns.add(&d.group_filters, groups, [](const FgGroup& g) { return g.n_filters; });
  columns.add(&d.group_filter_len, groups, [](const FgGroup& g) { return g.filter_len; });
  columns.add(&d.group_own_bn, groups, [](const FgGroup& g) { return g.own_bn; });
  columns.add(&d.group_input_bn, groups, [](const FgGroup& g) { return g.input_bn; });
  columns.add(&d.group_in_per_group, groups, [](const FgGroup& g) { return g.in_per_group; });
  columns.add(&d.group_out_per_group, groups, [](const FgGroup& g) { return g.out_per_group; });
  columns.add(&d.group_kernel_size, groups, [](const FgGroup& g) { return g.kernel_size; });
  std::vector<int32_t> filter_group;
  for (int gi = 0; gi < L.n_groups(); ++gi)
    filter_group.insert(filter_group.end(), static_cast<size_t>(groups[static_cast<size_t>(gi)].n_filters), gi);
  columns.add(&d.filter_group, filter_group);
  columns.add(&d.chunk_group, L.chunks(), [](const FgChunk& c) { return c.group; });
  columns.add(&d.chunk_filter_begin, L.chunks(), [](const FgChunk& c) { return c.filter_begin; });
  columns.add(&d.chunk_filter_end, L.chunks(), [](const FgChunk& c) { return c.filter_end; });

  // External blend: tiles of the segments, then the buffers of a group.
  struct Tile {
    int64_t begin;
    int32_t len, group;
  };
  std::vector<Tile> tiles;
  for (const FgSegment& seg : L.segments())
    for (int64_t b = seg.begin; b < seg.end; b += kTileElements)
      tiles.push_back({b, static_cast<int32_t>(std::min(kTileElements, seg.end - b)), seg.group});
  d.n_tiles = static_cast<int32_t>(tiles.size());
  columns.add(&d.tile_begin, tiles, [](const Tile& t) { return t.begin; });
  columns.add(&d.tile_len, tiles, [](const Tile& t) { return t.len; });
  columns.add(&d.tile_group, tiles, [](const Tile& t) { return t.group; });
  struct BlendBuffer {
    int32_t buffer, group;
    int64_t numel;
    DType dtype;
  };
  std::vector<BlendBuffer> blend_buffers;
  for (size_t b = 0; b < L.buffers().size(); ++b) {
    const FgTensor& t = L.tensors()[static_cast<size_t>(L.buffers()[b])];
    if (t.group >= 0 && t.numel > 0) blend_buffers.push_back({static_cast<int32_t>(b), t.group, t.numel, t.dtype});
  }
  d.n_blend_buffers = static_cast<int32_t>(blend_buffers.size());
  columns.add(&d.blend_buffer, blend_buffers, [](const BlendBuffer& b) { return b.buffer; });
  columns.add(&d.blend_buffer_group, blend_buffers, [](const BlendBuffer& b) { return b.group; });
  columns.add(&d.blend_buffer_numel, blend_buffers, [](const BlendBuffer& b) { return b.numel; });
  columns.add(&d.blend_buffer_dtype, blend_buffers, [](const BlendBuffer& b) { return static_cast<uint8_t>(b.dtype); });

  // Filter-level grafting: the BN channels, then tiles over the BN tensors and the conv weights.
  struct FilterTile {
    int32_t group, bn;
    int64_t offset;
    int32_t buffer;
    int64_t begin;
    int32_t len;
  };
  std::vector<FilterTile> filter_tiles;
  std::vector<int64_t> first_channel{0}, gamma;
  const auto add_tiles = [&](int32_t group, int32_t bn, const FgTensor& t) {
    for (int64_t b = 0; b < t.numel; b += kTileElements)
      filter_tiles.push_back({group, bn, t.offset, t.buffer, b, static_cast<int32_t>(std::min(kTileElements, t.numel - b))});
  };
  for (size_t l = 0; l < L.bns().size(); ++l) {
    const FgBn& bn = L.bns()[l];
    const FgTensor& g = L.tensors()[static_cast<size_t>(bn.weight)];
    for (int64_t c = 0; c < bn.channels; ++c) gamma.push_back(g.offset + c);
    first_channel.push_back(first_channel.back() + bn.channels);
    for (int member : {bn.weight, bn.bias, bn.running_mean, bn.running_var})
      add_tiles(-1, static_cast<int32_t>(l), L.tensors()[static_cast<size_t>(member)]);
  }
  for (const FgGroup& g : groups) add_tiles(static_cast<int32_t>(&g - groups.data()), -1, L.tensors()[static_cast<size_t>(g.conv)]);
  d.n_channels = first_channel.back();
  columns.add(&d.bn_first_channel, first_channel);
  columns.add(&d.channel_gamma, gamma);
  d.n_filter_tiles = static_cast<int32_t>(filter_tiles.size());
  columns.add(&d.ftile_group, filter_tiles, [](const FilterTile& t) { return t.group; });
  columns.add(&d.ftile_bn, filter_tiles, [](const FilterTile& t) { return t.bn; });
  columns.add(&d.ftile_offset, filter_tiles, [](const FilterTile& t) { return t.offset; });
  columns.add(&d.ftile_buffer, filter_tiles, [](const FilterTile& t) { return t.buffer; });
  columns.add(&d.ftile_begin, filter_tiles, [](const FilterTile& t) { return t.begin; });
  columns.add(&d.ftile_len, filter_tiles, [](const FilterTile& t) { return t.len; });
  columns.upload(w.arrays, stream);

  // Storage pointers (uploaded by each step when they change) and scratch.
  w.d_arenas = w.arrays.allocate<float*>(static_cast<size_t>(n_models));
  w.d_storage = w.arrays.allocate<void*>(L.buffers().size() * static_cast<size_t>(n_models));
  d.arenas = w.d_arenas;
  d.buffers = w.d_storage;
  fg_cuda::DeviceScratch& s = w.scratch;
  const size_t per_filter = static_cast<size_t>(L.n_filters()) * static_cast<size_t>(n_models);
  s.l1 = w.arrays.allocate<float>(per_filter);
  s.fmin = w.arrays.allocate<float>(per_filter);
  s.fmax = w.arrays.allocate<float>(per_filter);
  s.order = w.arrays.allocate<int32_t>(per_filter);
  fg_cuda::CountsLayout& c = s.counts_layout;
  c.rewritten = 0;
  c.bins = c.rewritten + n_models;
  c.size = c.bins + static_cast<int64_t>(n_models) * L.n_groups() * kEntropyBins;
  s.counts = w.arrays.allocate<unsigned long long>(static_cast<size_t>(c.size));
  s.weights = w.arrays.allocate<FgBlendWeights>(static_cast<size_t>(n_models) * static_cast<size_t>(L.n_groups()));
  s.channel_w = w.arrays.allocate<float>(static_cast<size_t>(d.n_channels) * static_cast<size_t>(n_models));
  s.channel_ok = w.arrays.allocate<uint8_t>(static_cast<size_t>(d.n_channels) * static_cast<size_t>(n_models));
}

FgCudaWorkspace::~FgCudaWorkspace() = default;

bool FgCudaWorkspace::serves(const FgLayout& layout, int n_models) const {
  return impl_->layout == &layout && impl_->layout_filters == layout.n_filters() && impl_->n_models == n_models;
}

namespace {

template <class T>
void download(std::vector<T>& out, const T* device, size_t n, cudaStream_t stream) {
  out.resize(n);
  if (n > 0) REVIVE_CUDA_CHECK(cudaMemcpyAsync(out.data(), device, n * sizeof(T), cudaMemcpyDeviceToHost, stream));
}

// Sends the networks' storage pointers when they differ from the last ones sent.
void upload_storage(FgCudaWorkspace::Impl& w, const std::vector<FgNetwork>& nets, cudaStream_t stream) {
  std::vector<float*> arenas;
  std::vector<void*> storage(w.layout->buffers().size() * nets.size());
  for (size_t m = 0; m < nets.size(); ++m) {
    arenas.push_back(nets[m].arena);
    for (size_t b = 0; b < nets[m].buffers.size(); ++b) storage[b * nets.size() + m] = nets[m].buffers[b];
  }
  if (arenas == w.arenas && storage == w.storage) return;
  w.arenas = arenas;
  w.storage = storage;
  // From pageable memory the copies have read their sources when they return.
  REVIVE_CUDA_CHECK(cudaMemcpyAsync(w.d_arenas, w.arenas.data(), w.arenas.size() * sizeof(float*),
                                    cudaMemcpyHostToDevice, stream));
  if (!w.storage.empty())
    REVIVE_CUDA_CHECK(cudaMemcpyAsync(w.d_storage, w.storage.data(), w.storage.size() * sizeof(void*),
                                      cudaMemcpyHostToDevice, stream));
}

// Stage (c) on the host: every group's criterion and the networks' alphas, by the CPU's code.
void external_coefficients(const FgLayout& L, const FgOptions& o, FgCudaWorkspace::Impl& w, FgReport& r) {
  const fg_cuda::CountsLayout& c = w.scratch.counts_layout;
  w.weights.resize(static_cast<size_t>(w.n_models) * static_cast<size_t>(L.n_groups()));
  std::vector<int64_t> bins(static_cast<size_t>(w.n_models) * kEntropyBins);
  for (int g = 0; g < L.n_groups(); ++g) {
    for (int64_t m = 0; m < w.n_models; ++m)
      for (int b = 0; b < kEntropyBins; ++b)
        bins[static_cast<size_t>(m * kEntropyBins + b)] =
            static_cast<int64_t>(w.counts[static_cast<size_t>(c.bins + (m * L.n_groups() + g) * kEntropyBins + b)]);
    r.skipped += fg_group_coefficients(L, o, g, bins.data(), w.l1.data(), r, w.weights.data());
  }
}

}  // namespace

FgReport fg_apply_cuda(const FgLayout& L, const std::vector<FgNetwork>& nets, const FgOptions& o, int epoch,
                       uint64_t seed, FgCudaWorkspace& workspace) {
  fg_check_networks(L, nets, o);
  REVIVE_CHECK(workspace.serves(L, o.models),
               "FG on CUDA: the workspace was built for another layout or network count");
  const StepClock clock;
  FgCudaWorkspace::Impl& w = workspace.impl();
  const fg_cuda::DeviceLayout& d = w.device;
  const fg_cuda::DeviceScratch& s = w.scratch;
  const fg_cuda::CountsLayout& c = s.counts_layout;
  cudaStream_t stream = kernels::cuda::stream();
  std::vector<std::string> names;
  for (const FgGroup& g : L.groups()) names.push_back(L.tensors()[static_cast<size_t>(g.conv)].name);
  FgReport r;
  r.reset(epoch, o, names);

  upload_storage(w, nets, stream);
  REVIVE_CUDA_CHECK(cudaMemsetAsync(s.counts, 0, static_cast<size_t>(c.size) * sizeof(unsigned long long), stream));
  fg_cuda::launch_filter_stats(d, s, stream);
  const size_t per_filter = static_cast<size_t>(L.n_filters()) * static_cast<size_t>(o.models);
  switch (o.variant) {
    case FgVariant::kExternal:
      if (o.criterion == FgCriterion::kEntropy) fg_cuda::launch_bins(d, s, stream);
      download(w.counts, s.counts, static_cast<size_t>(c.size), stream);
      if (o.criterion == FgCriterion::kL1) download(w.l1, s.l1, per_filter, stream);
      REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream));
      external_coefficients(L, o, w, r);
      REVIVE_CUDA_CHECK(cudaMemcpyAsync(s.weights, w.weights.data(), w.weights.size() * sizeof(FgBlendWeights),
                                        cudaMemcpyHostToDevice, stream));
      fg_cuda::launch_blend(d, s, stream);
      break;
    case FgVariant::kNoise:
      fg_cuda::launch_noise(d, s, static_cast<float>(o.noise_threshold),
                            static_cast<float>(std::pow(o.noise_decay, epoch)), seed, static_cast<uint32_t>(epoch),
                            stream);
      break;
    case FgVariant::kInternal: fg_cuda::launch_internal(d, s, static_cast<float>(o.internal_threshold), stream); break;
    case FgVariant::kFilter:
      fg_cuda::launch_filter_level(d, s, stream);
      download(w.channel_w, s.channel_w, static_cast<size_t>(d.n_channels) * static_cast<size_t>(o.models), stream);
      download(w.channel_ok, s.channel_ok, static_cast<size_t>(d.n_channels) * static_cast<size_t>(o.models), stream);
      break;
  }
  if (o.variant != FgVariant::kExternal) download(w.counts, s.counts, static_cast<size_t>(c.size), stream);
  REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream));

  for (int m = 0; m < o.models; ++m) {
    if (!r.rewritten_filters.empty())
      r.rewritten_filters[static_cast<size_t>(m)] =
          static_cast<int64_t>(w.counts[static_cast<size_t>(c.rewritten + m)]);
    if (o.variant == FgVariant::kFilter)
      fg_channel_summary(w.channel_w.data() + static_cast<size_t>(m) * static_cast<size_t>(d.n_channels),
                         w.channel_ok.data() + static_cast<size_t>(m) * static_cast<size_t>(d.n_channels), d.n_channels,
                         m, r);
  }
  if (o.variant == FgVariant::kFilter)
    for (const FgGroup& g : L.groups()) r.convs_without_input_bn += g.input_bn < 0 ? 1 : 0;
  r.elapsed_us = clock.elapsed_us();
  return r;
}

}  // namespace revive
