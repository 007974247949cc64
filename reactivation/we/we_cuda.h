// Weight Evolution on CUDA (docs/weight-evolution.md): the pipeline of we_cpu.h as kernels
// over a device-resident copy of the filter table (ARCHITECTURE.md decisions 3 and 4), selecting
// exactly the CPU's filters and pairs (§0.2) and blending with the same float operations
// (we_math.h):
//   (a) filter norms: one launch, a half-warp per filter in the CPU's lane order;
//   (b) global thresholds: one block per pool, radix select on magnitude keys;
//   (c) per-layer counts: one block per layer; then one block walks the layers in module order for
//       the fallback counters and the pair offsets;
//   (d) per-layer stable (importance, index) order and matching: WeCudaSort;
//   (e) crossover: a warp per pair, a lane per slice (or per element for filter-level blends).
// Nothing crosses to the host between stages; the step's counts come back in one small copy at the
// end. Every entry point queues its work on the stream it is given (a cudaStream_t in a
// StreamHandle; kernels::current_stream(device) is the device's usual one, a null handle stands
// for it) and synchronises only with that stream. This header needs no CUDA headers: a build
// without the CUDA backend defines these functions to throw (reactivation/we/no_cuda/we_cuda.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/device.h"
#include "core/stream_handle.h"
#include "reactivation/we/we_cpu.h"

namespace revive {

// How stage (d) orders the filters of each layer.
enum class WeCudaSort : uint8_t {
  // One block per layer on cub::BlockRadixSort, in a tile of up to kWeBlockSortCapacity filters:
  // no temporary storage and no host synchronisation, so a step can be captured in a CUDA Graph.
  kBlock,
  // cub::DeviceSegmentedRadixSort over every layer at once (a layer a segment), scratch allocated
  // with the workspace. Slow on the small segments of CIFAR nets; kept to compare and as the
  // fallback for layers longer than the block tile.
  kDeviceSegmented,
};
const char* we_cuda_sort_name(WeCudaSort sort);

// The largest layer kBlock sorts in one block; a table with a longer layer uses kDeviceSegmented.
constexpr int32_t kWeBlockSortCapacity = 2048;

// The device copy of a filter table and every scratch buffer a step needs, on the arena's device,
// allocated once so that a step allocates nothing. Keeps a copy of the table's host arrays.
class WeCudaWorkspace {
 public:
  // `device`: the CUDA device the arenas live on (the arena tensor's device()), which becomes the
  // process's device (kernels::use_device).
  WeCudaWorkspace(const FilterTable& table, Device device, WeCudaSort sort = WeCudaSort::kBlock);
  ~WeCudaWorkspace();
  WeCudaWorkspace(const WeCudaWorkspace&) = delete;
  WeCudaWorkspace& operator=(const WeCudaWorkspace&) = delete;

  // The variant the steps use: the one asked for, or kDeviceSegmented when a layer exceeds the tile.
  WeCudaSort sort() const;
  Device device() const;

  struct Impl;
  Impl& impl() { return *impl_; }
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// One WE step on an arena in CUDA memory (a device pointer on the workspace's device), queued on
// `stream`: the contract of we_apply_cpu, same report and the same WeState semantics. Synchronises
// with `stream` once, at the end.
WeReport we_apply_cuda(const FilterTable& table, float* arena, int64_t arena_numel, const WeOptions& options,
                       int epoch, const std::vector<int>& stage_boundaries, WeState& state,
                       WeCudaWorkspace& workspace, StreamHandle stream);

// we_apply_cuda in two halves. we_enqueue_cuda validates, then queues stages (a)-(e) on `stream`
// and returns the report's host part; it neither synchronises nor allocates, so it may be captured
// in a CUDA Graph (kernels/cuda_graph.h), whose replays keep the epoch's rates and the fallback
// counters of `state` as captured. we_finish_cuda copies the counts back on `stream` (one
// device-to-host copy), waits for it, and completes the report and `state`. A workspace serves one
// step at a time: both halves of a step take the same stream.
WeReport we_enqueue_cuda(const FilterTable& table, float* arena, int64_t arena_numel, const WeOptions& options,
                         int epoch, const std::vector<int>& stage_boundaries, const WeState& state,
                         WeCudaWorkspace& workspace, StreamHandle stream);
void we_finish_cuda(WeReport& report, WeState& state, WeCudaWorkspace& workspace, StreamHandle stream);

// What the last step left on the device, read back on `stream` (synchronously) for tests and tools:
// the stage outputs the CPU path keeps in WeScratch, and each pool's threshold key (2^32: all
// candidates).
struct WeCudaTrace {
  std::vector<float> l1;
  std::vector<float> importance;
  std::array<uint64_t, kNumReactivatableKinds> threshold{};
  std::vector<WeLayerSelection> selection;  // per layer
  WePairs pairs;                            // in module order, as WeScratch::pairs
};
WeCudaTrace we_cuda_trace(const WeCudaWorkspace& workspace, StreamHandle stream);

}  // namespace revive
